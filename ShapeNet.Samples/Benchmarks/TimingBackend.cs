using System.Diagnostics;
using ShapeNet.Backends;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>An <see cref="IBackend"/> decorator (<see cref="DelegatingBackend"/>) that adds the wall time of each call to a total
/// per call kind and sizes. For profiling only: it allocates a key string per call. The backend kernel tests run over it too.</summary>
public sealed class TimingBackend(IBackend inner) : DelegatingBackend(inner)
{
    public Dictionary<string, (long Ticks, int Calls)> Totals { get; } = new();

    public void Reset() => Totals.Clear();

    private long Start() => Stopwatch.GetTimestamp();

    private void Stop(long start, string key)
    {
        long ticks = Stopwatch.GetTimestamp() - start;
        Totals[key] = Totals.TryGetValue(key, out var t) ? (t.Ticks + ticks, t.Calls + 1) : (ticks, 1);
    }

    private static string Conv(in Conv2dDesc d, int batch)
        => $"{d.InChannels}→{d.OutChannels} k{d.KernelH}x{d.KernelW} s{d.StrideH} p{d.PadH}{(d.DilationH != 1 ? $" d{d.DilationH}" : "")}" +
           $"{(d.Groups != 1 ? $" g{d.Groups}" : "")} on {batch}×{d.InHeight}×{d.InWidth}";

    private static string Pool(in Pool2dDesc d, int batch) => $"k{d.KernelH} s{d.StrideH} p{d.PadH} on {batch}×{d.Channels}×{d.Height}×{d.Width}";

    public override void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset = 0)
    { long t = Start(); Inner.Upload(source, destination, destinationOffset); Stop(t, "Upload"); }
    public override void EndUpload(DeviceBuffer destination, long destinationOffset, int count)
    { long t = Start(); Inner.EndUpload(destination, destinationOffset, count); Stop(t, "Upload (staged)"); }
    public override void Download(DeviceBuffer source, Span<float> destination, long sourceOffset = 0)
    { long t = Start(); Inner.Download(source, destination, sourceOffset); Stop(t, "Download"); }
    public override void Fill(DeviceBuffer destination, float value, long offset, long count)
    { long t = Start(); Inner.Fill(destination, value, offset, count); Stop(t, $"Fill {count}"); }
    public override void CopyRows(DeviceBuffer destination, long destinationOffset, long destinationStride, DeviceBuffer source, long sourceOffset,
        long sourceStride, long rowLength, long rows, bool accumulate)
    {
        long t = Start();
        Inner.CopyRows(destination, destinationOffset, destinationStride, source, sourceOffset, sourceStride, rowLength, rows, accumulate);
        Stop(t, $"CopyRows {rows}×{rowLength}{(accumulate ? " acc" : "")}");
    }
    public override void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset, int lda,
        DeviceBuffer b, long bOffset, int ldb, float beta, DeviceBuffer c, long cOffset, int ldc, int batchCount = 1, long strideA = 0,
        long strideB = 0, long strideC = 0)
    {
        long t = Start();
        Inner.Gemm(transposeA, transposeB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, batchCount, strideA, strideB, strideC);
        Stop(t, $"Gemm {m}×{n}×{k}");
    }
    public override void Linear_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, in LinearDesc desc, int rows)
    { long t = Start(); Inner.Linear_Forward(y, x, weight, bias, desc, rows); Stop(t, $"Linear fwd {rows}×{desc.InFeatures}→{desc.OutFeatures}"); }
    public override void Linear_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
        in LinearDesc desc, int rows, bool accumulateDx, bool accumulateParameters)
    {
        long t = Start();
        Inner.Linear_Backward(dx, dWeight, dBias, dy, x, weight, desc, rows, accumulateDx, accumulateParameters);
        Stop(t, $"Linear bwd {rows}×{desc.InFeatures}→{desc.OutFeatures}");
    }
    public override void Conv2d_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer? workspace, in Conv2dDesc desc, int batch)
    {
        long t = Start();
        Inner.Conv2d_Forward(y, x, weight, bias, workspace, desc, batch);
        Stop(t, $"Conv fwd {Conv(desc, batch)}" + (desc.Activation == UnaryOp.Relu ? " +relu" : ""));
    }
    public override void Conv2d_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
        DeviceBuffer? workspace, in Conv2dDesc desc, int batch, bool accumulateDx, bool accumulateParameters)
    {
        long t = Start();
        Inner.Conv2d_Backward(dx, dWeight, dBias, dy, x, weight, workspace, desc, batch, accumulateDx, accumulateParameters);
        Stop(t, $"Conv bwd {Conv(desc, batch)}" + (dx == null ? " (dW)" : accumulateDx ? " (dW, dx acc)" : " (dW, dx)"));
    }
    public override void MaxPool2d_Forward(DeviceBuffer y, DeviceBuffer indices, DeviceBuffer x, in Pool2dDesc desc, int batch)
    { long t = Start(); Inner.MaxPool2d_Forward(y, indices, x, desc, batch); Stop(t, $"MaxPool fwd {Pool(desc, batch)}"); }
    public override void MaxPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, in Pool2dDesc desc, int batch, bool accumulate)
    { long t = Start(); Inner.MaxPool2d_Backward(dx, dy, indices, desc, batch, accumulate); Stop(t, $"MaxPool bwd {Pool(desc, batch)}"); }
    public override void AvgPool2d_Forward(DeviceBuffer y, DeviceBuffer x, in Pool2dDesc desc, int batch)
    { long t = Start(); Inner.AvgPool2d_Forward(y, x, desc, batch); Stop(t, $"AvgPool fwd {Pool(desc, batch)}"); }
    public override void AvgPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, in Pool2dDesc desc, int batch, bool accumulate)
    { long t = Start(); Inner.AvgPool2d_Backward(dx, dy, desc, batch, accumulate); Stop(t, $"AvgPool bwd {Pool(desc, batch)}{(accumulate ? " acc" : "")}"); }
    public override void GlobalAvgPool_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int planeSize)
    { long t = Start(); Inner.GlobalAvgPool_Forward(y, x, batch, channels, planeSize); Stop(t, "GlobalAvgPool fwd"); }
    public override void GlobalAvgPool_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int planeSize, bool accumulate)
    { long t = Start(); Inner.GlobalAvgPool_Backward(dx, dy, batch, channels, planeSize, accumulate); Stop(t, "GlobalAvgPool bwd"); }
    public override void BatchNorm2d_Forward(DeviceBuffer y, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? runningMean,
        DeviceBuffer? runningVar, DeviceBuffer x, DeviceBuffer? weight, DeviceBuffer? bias, in BatchNormDesc desc, int batch, bool training)
    {
        long t = Start();
        Inner.BatchNorm2d_Forward(y, saveMean, saveInvStd, runningMean, runningVar, x, weight, bias, desc, batch, training);
        Stop(t, $"BatchNorm fwd {batch}×{desc.Channels}×{desc.PlaneSize}");
    }
    public override void BatchNorm2d_Backward(DeviceBuffer? dx, DeviceBuffer? dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? weight, in BatchNormDesc desc, int batch, bool training,
        bool accumulateDx, bool accumulateParameters)
    {
        long t = Start();
        Inner.BatchNorm2d_Backward(dx, dWeight, dBias, dy, x, saveMean, saveInvStd, weight, desc, batch, training, accumulateDx, accumulateParameters);
        Stop(t, $"BatchNorm bwd {batch}×{desc.Channels}×{desc.PlaneSize}");
    }
    public override void Dropout_Forward(DeviceBuffer y, DeviceBuffer mask, DeviceBuffer x, long n, float p, ulong seed, uint step)
    { long t = Start(); Inner.Dropout_Forward(y, mask, x, n, p, seed, step); Stop(t, $"Dropout fwd {n}"); }
    public override void Dropout_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer mask, long n, float p, bool accumulate)
    { long t = Start(); Inner.Dropout_Backward(dx, dy, mask, n, p, accumulate); Stop(t, $"Dropout bwd {n}"); }
    public override void Unary_Forward(UnaryOp op, float parameter, DeviceBuffer y, DeviceBuffer x, long n)
    { long t = Start(); Inner.Unary_Forward(op, parameter, y, x, n); Stop(t, $"{op} fwd {n}"); }
    public override void Unary_Backward(UnaryOp op, float parameter, DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer y, long n, bool accumulate)
    { long t = Start(); Inner.Unary_Backward(op, parameter, dx, dy, x, y, n, accumulate); Stop(t, $"{op} bwd {n}{(accumulate ? " acc" : "")}"); }
    public override void Binary_Forward(BinaryOp op, DeviceBuffer z, DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b, ReadOnlySpan<int> bShape,
        ReadOnlySpan<int> zShape)
    { long t = Start(); Inner.Binary_Forward(op, z, a, aShape, b, bShape, zShape); Stop(t, $"{op} fwd {Shape(zShape)}"); }
    public override void Binary_Backward(BinaryOp op, int operand, DeviceBuffer dOperand, DeviceBuffer dz, DeviceBuffer a, ReadOnlySpan<int> aShape,
        DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape, bool accumulate)
    {
        long t = Start();
        Inner.Binary_Backward(op, operand, dOperand, dz, a, aShape, b, bShape, zShape, accumulate);
        Stop(t, $"{op} bwd[{operand}] {Shape(zShape)}{(accumulate ? " acc" : "")}");
    }
    public override void Reduce_Forward(ReduceOp op, DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes)
    { long t = Start(); Inner.Reduce_Forward(op, y, x, xShape, reduceAxes); Stop(t, $"Reduce {op} fwd {Shape(xShape)}"); }
    public override void Reduce_Backward(ReduceOp op, DeviceBuffer dx, DeviceBuffer dy, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes, bool accumulate)
    { long t = Start(); Inner.Reduce_Backward(op, dx, dy, xShape, reduceAxes, accumulate); Stop(t, $"Reduce {op} bwd {Shape(xShape)}"); }
    public override void Softmax_Forward(DeviceBuffer y, DeviceBuffer x, int outer, int dim, int inner1, bool log)
    { long t = Start(); Inner.Softmax_Forward(y, x, outer, dim, inner1, log); Stop(t, "Softmax fwd"); }
    public override void Softmax_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer y, int outer, int dim, int inner1, bool log, bool accumulate)
    { long t = Start(); Inner.Softmax_Backward(dx, dy, y, outer, dim, inner1, log, accumulate); Stop(t, "Softmax bwd"); }
    public override void Permute(DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate)
    { long t = Start(); Inner.Permute(y, x, xShape, permutation, accumulate); Stop(t, $"Permute {Shape(xShape)}"); }
    public override void Loss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer target, int rows, int cols)
    { long t = Start(); Inner.Loss_Forward(kind, reduction, loss, input, target, rows, cols); Stop(t, $"Loss {kind} fwd"); }
    public override void Loss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer target,
        int rows, int cols, bool accumulate)
    { long t = Start(); Inner.Loss_Backward(kind, reduction, dInput, dLoss, input, target, rows, cols, accumulate); Stop(t, $"Loss {kind} bwd"); }
    public override void Sgd_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer? momentumBuffer, long n, float lr, float momentum,
        float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep)
    {
        long t = Start();
        Inner.Sgd_Step(parameter, gradient, momentumBuffer, n, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);
        Stop(t, "Sgd step (all parameters)");
    }

    private static string Shape(ReadOnlySpan<int> shape) => string.Join("×", shape.ToArray());
    public override void UploadInt32(ReadOnlySpan<int> source, DeviceBuffer destination, long destinationOffset = 0)
    { long t = Start(); Inner.UploadInt32(source, destination, destinationOffset); Stop(t, "UploadInt32"); }
    public override void DownloadInt32(DeviceBuffer source, Span<int> destination, long sourceOffset = 0)
    { long t = Start(); Inner.DownloadInt32(source, destination, sourceOffset); Stop(t, "DownloadInt32"); }
    public override void Embedding_Forward(DeviceBuffer y, DeviceBuffer weight, DeviceBuffer ids, int n, int num, int dim)
    { long t = Start(); Inner.Embedding_Forward(y, weight, ids, n, num, dim); Stop(t, $"Embedding fwd {n}×{dim}"); }
    public override void Embedding_Backward(DeviceBuffer dWeight, DeviceBuffer dy, DeviceBuffer ids, int n, int num, int dim, int paddingIdx, bool accumulate)
    { long t = Start(); Inner.Embedding_Backward(dWeight, dy, ids, n, num, dim, paddingIdx, accumulate); Stop(t, $"Embedding bwd {n}×{dim}"); }
    public override void OneHot_Forward(DeviceBuffer y, DeviceBuffer ids, int n, int classes)
    { long t = Start(); Inner.OneHot_Forward(y, ids, n, classes); Stop(t, $"OneHot {n}×{classes}"); }
    public override RecurrentTensors Recurrent_Bind(in RecurrentDescriptor descriptor, ReadOnlySpan<DeviceBuffer> tensors) => Inner.Recurrent_Bind(descriptor, tensors);
    public override void Recurrent_Forward(in RecurrentDescriptor descriptor, DeviceBuffer output, DeviceBuffer? hN, DeviceBuffer? cN, DeviceBuffer reserve,
        DeviceBuffer workspace, DeviceBuffer x, DeviceBuffer? h0, DeviceBuffer? c0, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength,
        int batch, bool training, ulong dropoutSeed, uint dropoutStep)
    {
        long t = Start();
        Inner.Recurrent_Forward(descriptor, output, hN, cN, reserve, workspace, x, h0, c0, parameters, lengths, seqLength, batch, training, dropoutSeed, dropoutStep);
        Stop(t, $"{descriptor} fwd {seqLength}×{batch}");
    }
    public override void Recurrent_Backward(in RecurrentDescriptor descriptor, DeviceBuffer? dx, DeviceBuffer? dh0, DeviceBuffer? dc0,
        RecurrentTensors parameterGradients, DeviceBuffer workspace, DeviceBuffer? dOutput, DeviceBuffer? dhN, DeviceBuffer? dcN, DeviceBuffer reserve,
        DeviceBuffer x, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training, bool accumulateDx, bool accumulateParameters)
    {
        long t = Start();
        Inner.Recurrent_Backward(descriptor, dx, dh0, dc0, parameterGradients, workspace, dOutput, dhN, dcN, reserve, x, parameters, lengths, seqLength,
            batch, training, accumulateDx, accumulateParameters);
        Stop(t, $"{descriptor} bwd {seqLength}×{batch}");
    }
    public override void IndexLoss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols)
    { long t = Start(); Inner.IndexLoss_Forward(kind, reduction, loss, input, targets, rows, cols); Stop(t, $"{kind} (int targets) fwd"); }
    public override void IndexLoss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer targets,
        int rows, int cols, bool accumulate)
    { long t = Start(); Inner.IndexLoss_Backward(kind, reduction, dInput, dLoss, input, targets, rows, cols, accumulate); Stop(t, $"{kind} (int targets) bwd"); }
}
