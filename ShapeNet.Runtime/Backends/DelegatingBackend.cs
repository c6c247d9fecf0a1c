namespace ShapeNet.Backends;

/// <summary>
/// An <see cref="IBackend"/> that forwards every call to <see cref="Inner"/>: the base of decorators (a profiler timing each
/// call, a test backend that copies instead of sharing host memory). A subclass overrides what it changes; a member added
/// to <see cref="IBackend"/> is added here once and every decorator forwards it.
/// </summary>
public abstract class DelegatingBackend : IBackend
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    protected DelegatingBackend(IBackend inner) => Inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>The backend every call goes to.</summary>
    public IBackend Inner { get; }

#pragma warning disable CS1591 // The members are IBackend's, documented there.
    public virtual string Name => Inner.Name;
    public virtual DeviceBuffer Allocate(long length) => Inner.Allocate(length);
    public virtual DeviceBuffer Wrap(float[] host) => Inner.Wrap(host);
    public virtual void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset = 0)
        => Inner.Upload(source, destination, destinationOffset);
    public virtual void Download(DeviceBuffer source, Span<float> destination, long sourceOffset = 0)
        => Inner.Download(source, destination, sourceOffset);
    public virtual void Fill(DeviceBuffer destination, float value, long offset, long count) => Inner.Fill(destination, value, offset, count);
    public virtual void CopyRows(DeviceBuffer destination, long destinationOffset, long destinationStride, DeviceBuffer source, long sourceOffset, long sourceStride, long rowLength, long rows, bool accumulate)
        => Inner.CopyRows(destination, destinationOffset, destinationStride, source, sourceOffset, sourceStride, rowLength, rows, accumulate);
    public virtual void Synchronize() => Inner.Synchronize();
    public virtual bool SharesHostMemory => Inner.SharesHostMemory;
    public virtual Span<float> BeginUpload(DeviceBuffer destination, long destinationOffset, int count)
        => Inner.BeginUpload(destination, destinationOffset, count);
    public virtual void EndUpload(DeviceBuffer destination, long destinationOffset, int count)
        => Inner.EndUpload(destination, destinationOffset, count);
    public virtual void Prepare(in Conv2dDesc desc, int batchCapacity) => Inner.Prepare(in desc, batchCapacity);
    public virtual void Prepare(in Pool2dDesc desc, int batchCapacity) => Inner.Prepare(in desc, batchCapacity);
    public virtual void Prepare(in BatchNormDesc desc, int batchCapacity) => Inner.Prepare(in desc, batchCapacity);
    public virtual void Prepare(in LinearDesc desc, int rowCapacity) => Inner.Prepare(in desc, rowCapacity);
    public virtual DeviceBuffer AllocateInt32(long length) => Inner.AllocateInt32(length);
    public virtual void UploadInt32(ReadOnlySpan<int> source, DeviceBuffer destination, long destinationOffset = 0)
        => Inner.UploadInt32(source, destination, destinationOffset);
    public virtual void DownloadInt32(DeviceBuffer source, Span<int> destination, long sourceOffset = 0)
        => Inner.DownloadInt32(source, destination, sourceOffset);
    public virtual void Axpy(float alpha, DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, long n) => Inner.Axpy(alpha, x, xOffset, y, yOffset, n);
    public virtual void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb, float beta, DeviceBuffer c, long cOffset, int ldc, int batchCount = 1, long strideA = 0, long strideB = 0, long strideC = 0)
        => Inner.Gemm(transposeA, transposeB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, batchCount, strideA, strideB, strideC);
    public virtual void Linear_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, in LinearDesc desc, int rows)
        => Inner.Linear_Forward(y, x, weight, bias, in desc, rows);
    public virtual void Linear_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight, in LinearDesc desc, int rows, bool accumulateDx, bool accumulateParameters)
        => Inner.Linear_Backward(dx, dWeight, dBias, dy, x, weight, in desc, rows, accumulateDx, accumulateParameters);
    public virtual long Conv2d_WorkspaceLength(in Conv2dDesc desc, int batch) => Inner.Conv2d_WorkspaceLength(in desc, batch);
    public virtual void Conv2d_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer? workspace, in Conv2dDesc desc, int batch)
        => Inner.Conv2d_Forward(y, x, weight, bias, workspace, in desc, batch);
    public virtual void Conv2d_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? workspace, in Conv2dDesc desc, int batch, bool accumulateDx, bool accumulateParameters)
        => Inner.Conv2d_Backward(dx, dWeight, dBias, dy, x, weight, workspace, in desc, batch, accumulateDx, accumulateParameters);
    public virtual void MaxPool2d_Forward(DeviceBuffer y, DeviceBuffer indices, DeviceBuffer x, in Pool2dDesc desc, int batch)
        => Inner.MaxPool2d_Forward(y, indices, x, in desc, batch);
    public virtual void MaxPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, in Pool2dDesc desc, int batch, bool accumulate)
        => Inner.MaxPool2d_Backward(dx, dy, indices, in desc, batch, accumulate);
    public virtual void AvgPool2d_Forward(DeviceBuffer y, DeviceBuffer x, in Pool2dDesc desc, int batch)
        => Inner.AvgPool2d_Forward(y, x, in desc, batch);
    public virtual void AvgPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, in Pool2dDesc desc, int batch, bool accumulate)
        => Inner.AvgPool2d_Backward(dx, dy, in desc, batch, accumulate);
    public virtual void GlobalAvgPool_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int planeSize)
        => Inner.GlobalAvgPool_Forward(y, x, batch, channels, planeSize);
    public virtual void GlobalAvgPool_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int planeSize, bool accumulate)
        => Inner.GlobalAvgPool_Backward(dx, dy, batch, channels, planeSize, accumulate);
    public virtual void BatchNorm2d_Forward(DeviceBuffer y, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? runningMean, DeviceBuffer? runningVar, DeviceBuffer x, DeviceBuffer? weight, DeviceBuffer? bias, in BatchNormDesc desc, int batch, bool training)
        => Inner.BatchNorm2d_Forward(y, saveMean, saveInvStd, runningMean, runningVar, x, weight, bias, in desc, batch, training);
    public virtual void BatchNorm2d_Backward(DeviceBuffer? dx, DeviceBuffer? dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? weight, in BatchNormDesc desc, int batch, bool training, bool accumulateDx, bool accumulateParameters)
        => Inner.BatchNorm2d_Backward(dx, dWeight, dBias, dy, x, saveMean, saveInvStd, weight, in desc, batch, training, accumulateDx, accumulateParameters);
    public virtual void Dropout_Forward(DeviceBuffer y, DeviceBuffer mask, DeviceBuffer x, long n, float p, ulong seed, uint step)
        => Inner.Dropout_Forward(y, mask, x, n, p, seed, step);
    public virtual void Dropout_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer mask, long n, float p, bool accumulate)
        => Inner.Dropout_Backward(dx, dy, mask, n, p, accumulate);
    public virtual void Embedding_Forward(DeviceBuffer y, DeviceBuffer weight, DeviceBuffer ids, int n, int num, int dim)
        => Inner.Embedding_Forward(y, weight, ids, n, num, dim);
    public virtual void Embedding_Backward(DeviceBuffer dWeight, DeviceBuffer dy, DeviceBuffer ids, int n, int num, int dim, int paddingIdx, bool accumulate)
        => Inner.Embedding_Backward(dWeight, dy, ids, n, num, dim, paddingIdx, accumulate);
    public virtual void OneHot_Forward(DeviceBuffer y, DeviceBuffer ids, int n, int classes) => Inner.OneHot_Forward(y, ids, n, classes);
    public virtual RecurrentTensors Recurrent_Bind(in RecurrentDescriptor descriptor, ReadOnlySpan<DeviceBuffer> tensors)
        => Inner.Recurrent_Bind(in descriptor, tensors);
    public virtual void Recurrent_Forward(in RecurrentDescriptor descriptor, DeviceBuffer output, DeviceBuffer? hN, DeviceBuffer? cN, DeviceBuffer reserve, DeviceBuffer workspace, DeviceBuffer x, DeviceBuffer? h0, DeviceBuffer? c0, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training, ulong dropoutSeed, uint dropoutStep)
        => Inner.Recurrent_Forward(in descriptor, output, hN, cN, reserve, workspace, x, h0, c0, parameters, lengths, seqLength, batch, training, dropoutSeed, dropoutStep);
    public virtual void Recurrent_Backward(in RecurrentDescriptor descriptor, DeviceBuffer? dx, DeviceBuffer? dh0, DeviceBuffer? dc0, RecurrentTensors parameterGradients, DeviceBuffer workspace, DeviceBuffer? dOutput, DeviceBuffer? dhN, DeviceBuffer? dcN, DeviceBuffer reserve, DeviceBuffer x, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training, bool accumulateDx, bool accumulateParameters)
        => Inner.Recurrent_Backward(in descriptor, dx, dh0, dc0, parameterGradients, workspace, dOutput, dhN, dcN, reserve, x, parameters, lengths, seqLength, batch, training, accumulateDx, accumulateParameters);
    public virtual void Unary_Forward(UnaryOp op, float parameter, DeviceBuffer y, DeviceBuffer x, long n)
        => Inner.Unary_Forward(op, parameter, y, x, n);
    public virtual void Unary_Backward(UnaryOp op, float parameter, DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer y, long n, bool accumulate)
        => Inner.Unary_Backward(op, parameter, dx, dy, x, y, n, accumulate);
    public virtual void Binary_Forward(BinaryOp op, DeviceBuffer z, DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape)
        => Inner.Binary_Forward(op, z, a, aShape, b, bShape, zShape);
    public virtual void Binary_Backward(BinaryOp op, int operand, DeviceBuffer dOperand, DeviceBuffer dz, DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape, bool accumulate)
        => Inner.Binary_Backward(op, operand, dOperand, dz, a, aShape, b, bShape, zShape, accumulate);
    public virtual void Reduce_Forward(ReduceOp op, DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes)
        => Inner.Reduce_Forward(op, y, x, xShape, reduceAxes);
    public virtual void Reduce_Backward(ReduceOp op, DeviceBuffer dx, DeviceBuffer dy, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes, bool accumulate)
        => Inner.Reduce_Backward(op, dx, dy, xShape, reduceAxes, accumulate);
    public virtual void Softmax_Forward(DeviceBuffer y, DeviceBuffer x, int outer, int dim, int inner, bool log)
        => Inner.Softmax_Forward(y, x, outer, dim, inner, log);
    public virtual void Softmax_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer y, int outer, int dim, int inner, bool log, bool accumulate)
        => Inner.Softmax_Backward(dx, dy, y, outer, dim, inner, log, accumulate);
    public virtual void Permute(DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate)
        => Inner.Permute(y, x, xShape, permutation, accumulate);
    public virtual void Loss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer target, int rows, int cols)
        => Inner.Loss_Forward(kind, reduction, loss, input, target, rows, cols);
    public virtual void Loss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer target, int rows, int cols, bool accumulate)
        => Inner.Loss_Backward(kind, reduction, dInput, dLoss, input, target, rows, cols, accumulate);
    public virtual void IndexLoss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols)
        => Inner.IndexLoss_Forward(kind, reduction, loss, input, targets, rows, cols);
    public virtual void IndexLoss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols, bool accumulate)
        => Inner.IndexLoss_Backward(kind, reduction, dInput, dLoss, input, targets, rows, cols, accumulate);
    public virtual void Sgd_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer? momentumBuffer, long n, float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep)
        => Inner.Sgd_Step(parameter, gradient, momentumBuffer, n, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);
    public virtual void Adam_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer expAvg, DeviceBuffer expAvgSquare, DeviceBuffer? maxExpAvgSquare, long n, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay, bool maximize, int step)
        => Inner.Adam_Step(parameter, gradient, expAvg, expAvgSquare, maxExpAvgSquare, n, lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, maximize, step);
    public virtual void Adagrad_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer stateSum, long n, float lr, float lrDecay, float weightDecay, float eps, bool maximize, int step)
        => Inner.Adagrad_Step(parameter, gradient, stateSum, n, lr, lrDecay, weightDecay, eps, maximize, step);
    public virtual void RmsProp_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAvg, DeviceBuffer? gradAvg, DeviceBuffer? momentumBuffer, long n, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
        => Inner.RmsProp_Step(parameter, gradient, squareAvg, gradAvg, momentumBuffer, n, lr, alpha, eps, weightDecay, momentum, centered, maximize);
#pragma warning restore CS1591
}
