using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Networks.Tests.Support;

/// <summary>The CPU backend seen as a device backend: <see cref="Wrap"/> uploads a copy instead of sharing the host array, so a
/// plan trains copies of the parameters and buffers and only <see cref="NetworkPlan.CopyParametersToHost"/> and
/// <see cref="NetworkPlan.CopyGradientsToHost"/> bring them back, as on a GPU; <see cref="SharesHostMemory"/> is false, staged uploads
/// go through a host array of its own (as a device's pinned buffer) and every descriptor a plan prepares is recorded. Every
/// other call is the CPU backend's.</summary>
internal sealed class CopyingBackend : IBackend
{
    private readonly IBackend _inner = CpuBackend.Instance;

    public string Name => "cpu (copying)";

    public DeviceBuffer Wrap(float[] host)
    {
        DeviceBuffer copy = _inner.Allocate(host.Length);
        _inner.Upload(host, copy);
        return copy;
    }

    public DeviceBuffer Allocate(long length) => _inner.Allocate(length);
    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset = 0) => _inner.Upload(source, destination, destinationOffset);
    public void Download(DeviceBuffer source, Span<float> destination, long sourceOffset = 0) => _inner.Download(source, destination, sourceOffset);
    public void Fill(DeviceBuffer destination, float value, long offset, long count) => _inner.Fill(destination, value, offset, count);
    public void CopyRows(DeviceBuffer destination, long destinationOffset, long destinationStride, DeviceBuffer source, long sourceOffset, long sourceStride, long rowLength, long rows, bool accumulate) => _inner.CopyRows(destination, destinationOffset, destinationStride, source, sourceOffset, sourceStride, rowLength, rows, accumulate);
    public void Synchronize() => _inner.Synchronize();
    public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb, float beta, DeviceBuffer c, long cOffset, int ldc, int batchCount = 1, long strideA = 0, long strideB = 0, long strideC = 0) => _inner.Gemm(transposeA, transposeB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, batchCount, strideA, strideB, strideC);
    public void Linear_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, in LinearDesc desc, int rows) => _inner.Linear_Forward(y, x, weight, bias, desc, rows);
    public void Linear_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight, in LinearDesc desc, int rows, bool accumulateDx, bool accumulateParameters) => _inner.Linear_Backward(dx, dWeight, dBias, dy, x, weight, desc, rows, accumulateDx, accumulateParameters);
    public long Conv2d_WorkspaceLength(in Conv2dDesc desc, int batch) => _inner.Conv2d_WorkspaceLength(desc, batch);
    public void Conv2d_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer? workspace, in Conv2dDesc desc, int batch) => _inner.Conv2d_Forward(y, x, weight, bias, workspace, desc, batch);
    public void Conv2d_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? workspace, in Conv2dDesc desc, int batch, bool accumulateDx, bool accumulateParameters) => _inner.Conv2d_Backward(dx, dWeight, dBias, dy, x, weight, workspace, desc, batch, accumulateDx, accumulateParameters);
    public void MaxPool2d_Forward(DeviceBuffer y, DeviceBuffer indices, DeviceBuffer x, in Pool2dDesc desc, int batch) => _inner.MaxPool2d_Forward(y, indices, x, desc, batch);
    public void MaxPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, in Pool2dDesc desc, int batch, bool accumulate) => _inner.MaxPool2d_Backward(dx, dy, indices, desc, batch, accumulate);
    public void AvgPool2d_Forward(DeviceBuffer y, DeviceBuffer x, in Pool2dDesc desc, int batch) => _inner.AvgPool2d_Forward(y, x, desc, batch);
    public void AvgPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, in Pool2dDesc desc, int batch, bool accumulate) => _inner.AvgPool2d_Backward(dx, dy, desc, batch, accumulate);
    public void BatchNorm2d_Forward(DeviceBuffer y, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? runningMean, DeviceBuffer? runningVar, DeviceBuffer x, DeviceBuffer? weight, DeviceBuffer? bias, in BatchNormDesc desc, int batch, bool training) => _inner.BatchNorm2d_Forward(y, saveMean, saveInvStd, runningMean, runningVar, x, weight, bias, desc, batch, training);
    public void BatchNorm2d_Backward(DeviceBuffer? dx, DeviceBuffer? dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? weight, in BatchNormDesc desc, int batch, bool training, bool accumulateDx, bool accumulateParameters) => _inner.BatchNorm2d_Backward(dx, dWeight, dBias, dy, x, saveMean, saveInvStd, weight, desc, batch, training, accumulateDx, accumulateParameters);
    public void GlobalAvgPool_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int planeSize) => _inner.GlobalAvgPool_Forward(y, x, batch, channels, planeSize);
    public void GlobalAvgPool_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int planeSize, bool accumulate) => _inner.GlobalAvgPool_Backward(dx, dy, batch, channels, planeSize, accumulate);
    public void Dropout_Forward(DeviceBuffer y, DeviceBuffer mask, DeviceBuffer x, long n, float p, ulong seed, uint step) => _inner.Dropout_Forward(y, mask, x, n, p, seed, step);
    public void Dropout_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer mask, long n, float p, bool accumulate) => _inner.Dropout_Backward(dx, dy, mask, n, p, accumulate);
    public void Unary_Forward(UnaryOp op, float parameter, DeviceBuffer y, DeviceBuffer x, long n, float parameter2 = 0) => _inner.Unary_Forward(op, parameter, y, x, n, parameter2);
    public void Unary_Backward(UnaryOp op, float parameter, DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer y, long n, bool accumulate, float parameter2 = 0) => _inner.Unary_Backward(op, parameter, dx, dy, x, y, n, accumulate, parameter2);
    public void Binary_Forward(BinaryOp op, DeviceBuffer z, DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape) => _inner.Binary_Forward(op, z, a, aShape, b, bShape, zShape);
    public void Binary_Backward(BinaryOp op, int operand, DeviceBuffer dOperand, DeviceBuffer dz, DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape, bool accumulate) => _inner.Binary_Backward(op, operand, dOperand, dz, a, aShape, b, bShape, zShape, accumulate);
    public void Reduce_Forward(ReduceOp op, DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes) => _inner.Reduce_Forward(op, y, x, xShape, reduceAxes);
    public void Reduce_Backward(ReduceOp op, DeviceBuffer dx, DeviceBuffer dy, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes, bool accumulate) => _inner.Reduce_Backward(op, dx, dy, xShape, reduceAxes, accumulate);
    public void Softmax_Forward(DeviceBuffer y, DeviceBuffer x, int outer, int dim, int inner, bool log) => _inner.Softmax_Forward(y, x, outer, dim, inner, log);
    public void Softmax_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer y, int outer, int dim, int inner, bool log, bool accumulate) => _inner.Softmax_Backward(dx, dy, y, outer, dim, inner, log, accumulate);
    public void TopK_Forward(DeviceBuffer values, DeviceBuffer indices, DeviceBuffer x, int outer, int dim, int inner, int k, bool largest) => _inner.TopK_Forward(values, indices, x, outer, dim, inner, k, largest);
    public void TopK_Backward(DeviceBuffer dx, DeviceBuffer dValues, DeviceBuffer indices, int outer, int dim, int inner, int k, bool accumulate) => _inner.TopK_Backward(dx, dValues, indices, outer, dim, inner, k, accumulate);
    public void Permute(DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate) => _inner.Permute(y, x, xShape, permutation, accumulate);
    public void Pick_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer indices, int rows, int cols) => _inner.Pick_Forward(y, x, indices, rows, cols);
    public void Pick_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, int rows, int cols, bool accumulate) => _inner.Pick_Backward(dx, dy, indices, rows, cols, accumulate);
    public void Loss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer target, int rows, int cols) => _inner.Loss_Forward(kind, reduction, loss, input, target, rows, cols);
    public void Loss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer target, int rows, int cols, bool accumulate) => _inner.Loss_Backward(kind, reduction, dInput, dLoss, input, target, rows, cols, accumulate);
    public void Sgd_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer? momentumBuffer, long n, float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep) => _inner.Sgd_Step(parameter, gradient, momentumBuffer, n, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);
    public void Adam_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer expAvg, DeviceBuffer expAvgSquare, DeviceBuffer? maxExpAvgSquare, long n, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay, bool maximize, int step) => _inner.Adam_Step(parameter, gradient, expAvg, expAvgSquare, maxExpAvgSquare, n, lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, maximize, step);
    public void Adagrad_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer stateSum, long n, float lr, float lrDecay, float weightDecay, float eps, bool maximize, int step) => _inner.Adagrad_Step(parameter, gradient, stateSum, n, lr, lrDecay, weightDecay, eps, maximize, step);
    public void RmsProp_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAvg, DeviceBuffer? gradAvg, DeviceBuffer? momentumBuffer, long n, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize) => _inner.RmsProp_Step(parameter, gradient, squareAvg, gradAvg, momentumBuffer, n, lr, alpha, eps, weightDecay, momentum, centered, maximize);
    public DeviceBuffer AllocateInt32(long length) => _inner.AllocateInt32(length);
    public void UploadInt32(ReadOnlySpan<int> source, DeviceBuffer destination, long destinationOffset = 0) => _inner.UploadInt32(source, destination, destinationOffset);
    public void DownloadInt32(DeviceBuffer source, Span<int> destination, long sourceOffset = 0) => _inner.DownloadInt32(source, destination, sourceOffset);
    public void Embedding_Forward(DeviceBuffer y, DeviceBuffer weight, DeviceBuffer ids, int n, int num, int dim) => _inner.Embedding_Forward(y, weight, ids, n, num, dim);
    public void Embedding_Backward(DeviceBuffer dWeight, DeviceBuffer dy, DeviceBuffer ids, int n, int num, int dim, int paddingIdx, bool accumulate) => _inner.Embedding_Backward(dWeight, dy, ids, n, num, dim, paddingIdx, accumulate);
    public void OneHot_Forward(DeviceBuffer y, DeviceBuffer ids, int n, int classes) => _inner.OneHot_Forward(y, ids, n, classes);
    public long Recurrent_ReserveLength(in RecurrentDescriptor descriptor, int seqLength, int batch) => _inner.Recurrent_ReserveLength(descriptor, seqLength, batch);
    public long Recurrent_WorkspaceLength(in RecurrentDescriptor descriptor, int seqLength, int batch) => _inner.Recurrent_WorkspaceLength(descriptor, seqLength, batch);
    public RecurrentTensors Recurrent_Bind(in RecurrentDescriptor descriptor, ReadOnlySpan<DeviceBuffer> tensors) => _inner.Recurrent_Bind(descriptor, tensors);
    public void Recurrent_Forward(in RecurrentDescriptor descriptor, DeviceBuffer output, DeviceBuffer? hN, DeviceBuffer? cN, DeviceBuffer reserve, DeviceBuffer workspace, DeviceBuffer x, DeviceBuffer? h0, DeviceBuffer? c0, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training, ulong dropoutSeed, uint dropoutStep) => _inner.Recurrent_Forward(descriptor, output, hN, cN, reserve, workspace, x, h0, c0, parameters, lengths, seqLength, batch, training, dropoutSeed, dropoutStep);
    public void Recurrent_Backward(in RecurrentDescriptor descriptor, DeviceBuffer? dx, DeviceBuffer? dh0, DeviceBuffer? dc0, RecurrentTensors parameterGradients, DeviceBuffer workspace, DeviceBuffer? dOutput, DeviceBuffer? dhN, DeviceBuffer? dcN, DeviceBuffer reserve, DeviceBuffer x, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training, bool accumulateDx, bool accumulateParameters) => _inner.Recurrent_Backward(descriptor, dx, dh0, dc0, parameterGradients, workspace, dOutput, dhN, dcN, reserve, x, parameters, lengths, seqLength, batch, training, accumulateDx, accumulateParameters);
    public void IndexLoss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols) => _inner.IndexLoss_Forward(kind, reduction, loss, input, targets, rows, cols);
    public void IndexLoss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols, bool accumulate) => _inner.IndexLoss_Backward(kind, reduction, dInput, dLoss, input, targets, rows, cols, accumulate);


    // ---- the seam as a device sees it: no shared host memory, a staging buffer of its own, preparations recorded ----
    private float[] _staging = [];

    public bool SharesHostMemory => false;

    /// <summary>The descriptors <c>Prepare</c> received, with the capacity, in call order.</summary>
    public List<(object Descriptor, int Capacity)> Prepared { get; } = new();

    /// <summary>Uploads that went through the staging buffer.</summary>
    public int StagedUploads { get; private set; }

    public Span<float> BeginUpload(DeviceBuffer destination, long destinationOffset, int count)
    {
        if (_staging.Length < count) _staging = new float[count];
        Span<float> staged = _staging.AsSpan(0, count);
        staged.Fill(float.NaN); // what was staged before must not leak into this upload
        return staged;
    }

    public void EndUpload(DeviceBuffer destination, long destinationOffset, int count)
    {
        _inner.Upload(_staging.AsSpan(0, count), destination, destinationOffset);
        StagedUploads++;
    }

    public void Prepare(in Conv2dDesc desc, int batchCapacity) => Prepared.Add((desc, batchCapacity));
    public void Prepare(in Pool2dDesc desc, int batchCapacity) => Prepared.Add((desc, batchCapacity));
    public void Prepare(in BatchNormDesc desc, int batchCapacity) => Prepared.Add((desc, batchCapacity));
    public void Prepare(in LinearDesc desc, int rowCapacity) => Prepared.Add((desc, rowCapacity));
    public void Axpy(float alpha, DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, long n) => _inner.Axpy(alpha, x, xOffset, y, yOffset, n);
}
