using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Optim;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>
/// <c>profile</c>: where a training step of the CNNs spends its time. The plan runs on <see cref="TimingBackend"/>, a
/// decorator over the CPU backend that times every call and files it under its kind and sizes; after a warm-up the
/// table lists milliseconds per step for each (call, geometry), heaviest first. The decorator allocates (it builds a
/// key per call), so this is a profile, not a throughput benchmark: <c>bench</c> measures steps/s.
/// </summary>
public static class ProfileCommand
{
    public static Command Command()
    {
        var model = new Option<string>("--model") { Description = "basic-cnn, inception-cnn, resnet-cnn or all.", DefaultValueFactory = _ => "all" };
        var steps = new Option<int>("--steps") { Description = "Timed steps per model.", DefaultValueFactory = _ => 30 };
        var layers = new Option<bool>("--layers") { Description = "Time each conv and pool geometry of the CNNs on the span kernels instead." };
        var noWinograd = new Option<bool>("--no-winograd") { Description = "Run the 3×3 and 5×5 convolutions as implicit GEMM / im2col instead of Winograd." };
        var command = new Command("profile", "Milliseconds per training step of each backend call of the CNN plans (batch 64).") { model, steps, layers, noWinograd };
        command.SetAction(result =>
        {
            CpuConvolution.UseWinograd = !result.GetValue(noWinograd);
            if (!result.GetValue(layers)) return Run(result.GetValue(model)!, result.GetValue(steps), Console.Out);
            ConvLayerProfile.Run(Console.Out, 15 * result.GetValue(steps));
            return 0;
        });
        return command;
    }

    public static int Run(string model, int steps, TextWriter output)
    {
        var random = new Random(0);
        float[] input = new float[64 * 784], target = new float[64];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle() * 2f - 1f;
        for (int i = 0; i < target.Length; i++) target[i] = random.Next(10);
        (string Name, Func<IBackend, NetworkPlan> Create)[] models =
        [
            ("basic-cnn", b => new Cnn.BasicCnn(0).CreatePlan(64, b)),
            ("inception-cnn", b => new Cnn.InceptionCnn(0).CreatePlan(64, b)),
            ("resnet-cnn", b => new Cnn.ResNetCnn(0).CreatePlan(64, b)),
        ];
        foreach (var (name, create) in models)
        {
            if (model != "all" && model != name) continue;
            var timing = new TimingBackend(CpuBackend.Instance);
            using NetworkPlan plan = create(timing);
            plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.5f));
            for (int s = 0; s < 50; s++) plan.TrainStep(input, target, 64);
            // Best of three windows per call kind damps the noise of a shared machine.
            var best = new Dictionary<string, (double Ms, int Calls)>();
            double bestStep = double.MaxValue;
            for (int window = 0; window < 3; window++)
            {
                timing.Reset();
                long start = Stopwatch.GetTimestamp();
                for (int s = 0; s < steps; s++) plan.TrainStep(input, target, 64);
                bestStep = Math.Min(bestStep, Stopwatch.GetElapsedTime(start).TotalMilliseconds / steps);
                foreach (var (key, (ticks, calls)) in timing.Totals)
                {
                    double ms = ticks * 1e3 / Stopwatch.Frequency / steps;
                    best[key] = best.TryGetValue(key, out var old) && old.Ms <= ms ? old : (ms, calls / steps);
                }
            }
            double sum = best.Values.Sum(v => v.Ms);
            output.WriteLine($"{name}: {bestStep:F2} ms/step (best window), calls sum {sum:F2} ms");
            output.WriteLine($"  {"ms/step",8} {"%",5} {"calls",5}  call");
            foreach (var (key, (ms, calls)) in best.OrderByDescending(kv => kv.Value.Ms))
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {ms,8:F3} {100 * ms / sum,5:F1} {calls,5}  {key}"));
            output.WriteLine();
        }
        return 0;
    }
}

/// <summary>An <see cref="IBackend"/> that forwards every call to another backend and adds its wall time to a total per
/// call kind and sizes. For profiling only: it allocates a key string per call.</summary>
public sealed class TimingBackend(IBackend inner) : IBackend
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

    public string Name => inner.Name;
    public DeviceBuffer Allocate(long length) => inner.Allocate(length);
    public DeviceBuffer Wrap(float[] host) => inner.Wrap(host);
    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset = 0)
    { long t = Start(); inner.Upload(source, destination, destinationOffset); Stop(t, "Upload"); }
    public void Download(DeviceBuffer source, Span<float> destination, long sourceOffset = 0)
    { long t = Start(); inner.Download(source, destination, sourceOffset); Stop(t, "Download"); }
    public void Fill(DeviceBuffer destination, float value, long offset, long count)
    { long t = Start(); inner.Fill(destination, value, offset, count); Stop(t, $"Fill {count}"); }
    public void CopyRows(DeviceBuffer destination, long destinationOffset, long destinationStride, DeviceBuffer source, long sourceOffset,
        long sourceStride, long rowLength, long rows, bool accumulate)
    {
        long t = Start();
        inner.CopyRows(destination, destinationOffset, destinationStride, source, sourceOffset, sourceStride, rowLength, rows, accumulate);
        Stop(t, $"CopyRows {rows}×{rowLength}{(accumulate ? " acc" : "")}");
    }
    public void Synchronize() => inner.Synchronize();
    public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset, int lda,
        DeviceBuffer b, long bOffset, int ldb, float beta, DeviceBuffer c, long cOffset, int ldc, int batchCount = 1, long strideA = 0,
        long strideB = 0, long strideC = 0)
    {
        long t = Start();
        inner.Gemm(transposeA, transposeB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, batchCount, strideA, strideB, strideC);
        Stop(t, $"Gemm {m}×{n}×{k}");
    }
    public void Linear_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, in LinearDesc desc, int rows)
    { long t = Start(); inner.Linear_Forward(y, x, weight, bias, desc, rows); Stop(t, $"Linear fwd {rows}×{desc.InFeatures}→{desc.OutFeatures}"); }
    public void Linear_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
        in LinearDesc desc, int rows, bool accumulateDx, bool accumulateParameters)
    {
        long t = Start();
        inner.Linear_Backward(dx, dWeight, dBias, dy, x, weight, desc, rows, accumulateDx, accumulateParameters);
        Stop(t, $"Linear bwd {rows}×{desc.InFeatures}→{desc.OutFeatures}");
    }
    public long Conv2d_WorkspaceLength(in Conv2dDesc desc, int batch) => inner.Conv2d_WorkspaceLength(desc, batch);
    public void Conv2d_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer? workspace, in Conv2dDesc desc, int batch)
    {
        long t = Start();
        inner.Conv2d_Forward(y, x, weight, bias, workspace, desc, batch);
        Stop(t, $"Conv fwd {Conv(desc, batch)}" + (desc.Activation == UnaryOp.Relu ? " +relu" : ""));
    }
    public void Conv2d_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
        DeviceBuffer? workspace, in Conv2dDesc desc, int batch, bool accumulateDx, bool accumulateParameters)
    {
        long t = Start();
        inner.Conv2d_Backward(dx, dWeight, dBias, dy, x, weight, workspace, desc, batch, accumulateDx, accumulateParameters);
        Stop(t, $"Conv bwd {Conv(desc, batch)}" + (dx == null ? " (dW)" : accumulateDx ? " (dW, dx acc)" : " (dW, dx)"));
    }
    public void MaxPool2d_Forward(DeviceBuffer y, DeviceBuffer indices, DeviceBuffer x, in Pool2dDesc desc, int batch)
    { long t = Start(); inner.MaxPool2d_Forward(y, indices, x, desc, batch); Stop(t, $"MaxPool fwd {Pool(desc, batch)}"); }
    public void MaxPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, in Pool2dDesc desc, int batch, bool accumulate)
    { long t = Start(); inner.MaxPool2d_Backward(dx, dy, indices, desc, batch, accumulate); Stop(t, $"MaxPool bwd {Pool(desc, batch)}"); }
    public void AvgPool2d_Forward(DeviceBuffer y, DeviceBuffer x, in Pool2dDesc desc, int batch)
    { long t = Start(); inner.AvgPool2d_Forward(y, x, desc, batch); Stop(t, $"AvgPool fwd {Pool(desc, batch)}"); }
    public void AvgPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, in Pool2dDesc desc, int batch, bool accumulate)
    { long t = Start(); inner.AvgPool2d_Backward(dx, dy, desc, batch, accumulate); Stop(t, $"AvgPool bwd {Pool(desc, batch)}{(accumulate ? " acc" : "")}"); }
    public void GlobalAvgPool_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int planeSize)
    { long t = Start(); inner.GlobalAvgPool_Forward(y, x, batch, channels, planeSize); Stop(t, "GlobalAvgPool fwd"); }
    public void GlobalAvgPool_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int planeSize, bool accumulate)
    { long t = Start(); inner.GlobalAvgPool_Backward(dx, dy, batch, channels, planeSize, accumulate); Stop(t, "GlobalAvgPool bwd"); }
    public void BatchNorm2d_Forward(DeviceBuffer y, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? runningMean,
        DeviceBuffer? runningVar, DeviceBuffer x, DeviceBuffer? weight, DeviceBuffer? bias, in BatchNormDesc desc, int batch, bool training)
    {
        long t = Start();
        inner.BatchNorm2d_Forward(y, saveMean, saveInvStd, runningMean, runningVar, x, weight, bias, desc, batch, training);
        Stop(t, $"BatchNorm fwd {batch}×{desc.Channels}×{desc.PlaneSize}");
    }
    public void BatchNorm2d_Backward(DeviceBuffer? dx, DeviceBuffer? dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? weight, in BatchNormDesc desc, int batch, bool training,
        bool accumulateDx, bool accumulateParameters)
    {
        long t = Start();
        inner.BatchNorm2d_Backward(dx, dWeight, dBias, dy, x, saveMean, saveInvStd, weight, desc, batch, training, accumulateDx, accumulateParameters);
        Stop(t, $"BatchNorm bwd {batch}×{desc.Channels}×{desc.PlaneSize}");
    }
    public void Dropout_Forward(DeviceBuffer y, DeviceBuffer mask, DeviceBuffer x, long n, float p, ulong seed, uint step)
    { long t = Start(); inner.Dropout_Forward(y, mask, x, n, p, seed, step); Stop(t, $"Dropout fwd {n}"); }
    public void Dropout_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer mask, long n, float p, bool accumulate)
    { long t = Start(); inner.Dropout_Backward(dx, dy, mask, n, p, accumulate); Stop(t, $"Dropout bwd {n}"); }
    public void Unary_Forward(UnaryOp op, float parameter, DeviceBuffer y, DeviceBuffer x, long n, float parameter2 = 0)
    { long t = Start(); inner.Unary_Forward(op, parameter, y, x, n, parameter2); Stop(t, $"{op} fwd {n}"); }
    public void Unary_Backward(UnaryOp op, float parameter, DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer y, long n, bool accumulate, float parameter2 = 0)
    { long t = Start(); inner.Unary_Backward(op, parameter, dx, dy, x, y, n, accumulate, parameter2); Stop(t, $"{op} bwd {n}{(accumulate ? " acc" : "")}"); }
    public void Binary_Forward(BinaryOp op, DeviceBuffer z, DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b, ReadOnlySpan<int> bShape,
        ReadOnlySpan<int> zShape)
    { long t = Start(); inner.Binary_Forward(op, z, a, aShape, b, bShape, zShape); Stop(t, $"{op} fwd {Shape(zShape)}"); }
    public void Binary_Backward(BinaryOp op, int operand, DeviceBuffer dOperand, DeviceBuffer dz, DeviceBuffer a, ReadOnlySpan<int> aShape,
        DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape, bool accumulate)
    {
        long t = Start();
        inner.Binary_Backward(op, operand, dOperand, dz, a, aShape, b, bShape, zShape, accumulate);
        Stop(t, $"{op} bwd[{operand}] {Shape(zShape)}{(accumulate ? " acc" : "")}");
    }
    public void Reduce_Forward(ReduceOp op, DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes)
    { long t = Start(); inner.Reduce_Forward(op, y, x, xShape, reduceAxes); Stop(t, $"Reduce {op} fwd {Shape(xShape)}"); }
    public void Reduce_Backward(ReduceOp op, DeviceBuffer dx, DeviceBuffer dy, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes, bool accumulate)
    { long t = Start(); inner.Reduce_Backward(op, dx, dy, xShape, reduceAxes, accumulate); Stop(t, $"Reduce {op} bwd {Shape(xShape)}"); }
    public void Softmax_Forward(DeviceBuffer y, DeviceBuffer x, int outer, int dim, int inner1, bool log)
    { long t = Start(); inner.Softmax_Forward(y, x, outer, dim, inner1, log); Stop(t, "Softmax fwd"); }
    public void Softmax_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer y, int outer, int dim, int inner1, bool log, bool accumulate)
    { long t = Start(); inner.Softmax_Backward(dx, dy, y, outer, dim, inner1, log, accumulate); Stop(t, "Softmax bwd"); }
    public void TopK_Forward(DeviceBuffer values, DeviceBuffer indices, DeviceBuffer x, int outer, int dim, int inner1, int k, bool largest)
    { long t = Start(); inner.TopK_Forward(values, indices, x, outer, dim, inner1, k, largest); Stop(t, "TopK fwd"); }
    public void TopK_Backward(DeviceBuffer dx, DeviceBuffer dValues, DeviceBuffer indices, int outer, int dim, int inner1, int k, bool accumulate)
    { long t = Start(); inner.TopK_Backward(dx, dValues, indices, outer, dim, inner1, k, accumulate); Stop(t, "TopK bwd"); }
    public void Permute(DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate)
    { long t = Start(); inner.Permute(y, x, xShape, permutation, accumulate); Stop(t, $"Permute {Shape(xShape)}"); }
    public void Pick_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer indices, int rows, int cols)
    { long t = Start(); inner.Pick_Forward(y, x, indices, rows, cols); Stop(t, $"Pick fwd {rows}x{cols}"); }
    public void Pick_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, int rows, int cols, bool accumulate)
    { long t = Start(); inner.Pick_Backward(dx, dy, indices, rows, cols, accumulate); Stop(t, $"Pick bwd {rows}x{cols}{(accumulate ? " acc" : "")}"); }
    public void Loss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer target, int rows, int cols)
    { long t = Start(); inner.Loss_Forward(kind, reduction, loss, input, target, rows, cols); Stop(t, $"Loss {kind} fwd"); }
    public void Loss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer target,
        int rows, int cols, bool accumulate)
    { long t = Start(); inner.Loss_Backward(kind, reduction, dInput, dLoss, input, target, rows, cols, accumulate); Stop(t, $"Loss {kind} bwd"); }
    public void Sgd_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer? momentumBuffer, long n, float lr, float momentum,
        float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep)
    {
        long t = Start();
        inner.Sgd_Step(parameter, gradient, momentumBuffer, n, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);
        Stop(t, "Sgd step (all parameters)");
    }
    public void Adam_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer expAvg, DeviceBuffer expAvgSquare, DeviceBuffer? maxExpAvgSquare,
        long n, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay, bool maximize, int step)
        => inner.Adam_Step(parameter, gradient, expAvg, expAvgSquare, maxExpAvgSquare, n, lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay,
            maximize, step);
    public void Adagrad_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer stateSum, long n, float lr, float lrDecay, float weightDecay,
        float eps, bool maximize, int step)
        => inner.Adagrad_Step(parameter, gradient, stateSum, n, lr, lrDecay, weightDecay, eps, maximize, step);
    public void RmsProp_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAvg, DeviceBuffer? gradAvg, DeviceBuffer? momentumBuffer,
        long n, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
        => inner.RmsProp_Step(parameter, gradient, squareAvg, gradAvg, momentumBuffer, n, lr, alpha, eps, weightDecay, momentum, centered, maximize);

    private static string Shape(ReadOnlySpan<int> shape) => string.Join("×", shape.ToArray());
    public DeviceBuffer AllocateInt32(long length) => inner.AllocateInt32(length);
    public void UploadInt32(ReadOnlySpan<int> source, DeviceBuffer destination, long destinationOffset = 0)
    { long t = Start(); inner.UploadInt32(source, destination, destinationOffset); Stop(t, "UploadInt32"); }
    public void DownloadInt32(DeviceBuffer source, Span<int> destination, long sourceOffset = 0)
    { long t = Start(); inner.DownloadInt32(source, destination, sourceOffset); Stop(t, "DownloadInt32"); }
    public void Embedding_Forward(DeviceBuffer y, DeviceBuffer weight, DeviceBuffer ids, int n, int num, int dim)
    { long t = Start(); inner.Embedding_Forward(y, weight, ids, n, num, dim); Stop(t, $"Embedding fwd {n}×{dim}"); }
    public void Embedding_Backward(DeviceBuffer dWeight, DeviceBuffer dy, DeviceBuffer ids, int n, int num, int dim, int paddingIdx, bool accumulate)
    { long t = Start(); inner.Embedding_Backward(dWeight, dy, ids, n, num, dim, paddingIdx, accumulate); Stop(t, $"Embedding bwd {n}×{dim}"); }
    public void OneHot_Forward(DeviceBuffer y, DeviceBuffer ids, int n, int classes)
    { long t = Start(); inner.OneHot_Forward(y, ids, n, classes); Stop(t, $"OneHot {n}×{classes}"); }
    public long Recurrent_ReserveLength(in RecurrentDescriptor descriptor, int seqLength, int batch) => inner.Recurrent_ReserveLength(descriptor, seqLength, batch);
    public long Recurrent_WorkspaceLength(in RecurrentDescriptor descriptor, int seqLength, int batch) => inner.Recurrent_WorkspaceLength(descriptor, seqLength, batch);
    public RecurrentTensors Recurrent_Bind(in RecurrentDescriptor descriptor, ReadOnlySpan<DeviceBuffer> tensors) => inner.Recurrent_Bind(descriptor, tensors);
    public void Recurrent_Forward(in RecurrentDescriptor descriptor, DeviceBuffer output, DeviceBuffer? hN, DeviceBuffer? cN, DeviceBuffer reserve,
        DeviceBuffer workspace, DeviceBuffer x, DeviceBuffer? h0, DeviceBuffer? c0, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength,
        int batch, bool training, ulong dropoutSeed, uint dropoutStep)
    {
        long t = Start();
        inner.Recurrent_Forward(descriptor, output, hN, cN, reserve, workspace, x, h0, c0, parameters, lengths, seqLength, batch, training, dropoutSeed, dropoutStep);
        Stop(t, $"{descriptor} fwd {seqLength}×{batch}");
    }
    public void Recurrent_Backward(in RecurrentDescriptor descriptor, DeviceBuffer? dx, DeviceBuffer? dh0, DeviceBuffer? dc0,
        RecurrentTensors parameterGradients, DeviceBuffer workspace, DeviceBuffer? dOutput, DeviceBuffer? dhN, DeviceBuffer? dcN, DeviceBuffer reserve,
        DeviceBuffer x, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training, bool accumulateDx, bool accumulateParameters)
    {
        long t = Start();
        inner.Recurrent_Backward(descriptor, dx, dh0, dc0, parameterGradients, workspace, dOutput, dhN, dcN, reserve, x, parameters, lengths, seqLength,
            batch, training, accumulateDx, accumulateParameters);
        Stop(t, $"{descriptor} bwd {seqLength}×{batch}");
    }
    public void IndexLoss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols)
    { long t = Start(); inner.IndexLoss_Forward(kind, reduction, loss, input, targets, rows, cols); Stop(t, $"{kind} (int targets) fwd"); }
    public void IndexLoss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer targets,
        int rows, int cols, bool accumulate)
    { long t = Start(); inner.IndexLoss_Backward(kind, reduction, dInput, dLoss, input, targets, rows, cols, accumulate); Stop(t, $"{kind} (int targets) bwd"); }

    // ---- the seam's plan-time, host-memory, staging and loss-sum calls (forwarded; staged uploads timed) ----
    public bool SharesHostMemory => inner.SharesHostMemory;
    public Span<float> BeginUpload(DeviceBuffer destination, long destinationOffset, int count) => inner.BeginUpload(destination, destinationOffset, count);
    public void EndUpload(DeviceBuffer destination, long destinationOffset, int count)
    { long t = Start(); inner.EndUpload(destination, destinationOffset, count); Stop(t, "Upload (staged)"); }
    public void Prepare(in Conv2dDesc desc, int batchCapacity) => inner.Prepare(desc, batchCapacity);
    public void Prepare(in Pool2dDesc desc, int batchCapacity) => inner.Prepare(desc, batchCapacity);
    public void Prepare(in BatchNormDesc desc, int batchCapacity) => inner.Prepare(desc, batchCapacity);
    public void Prepare(in LinearDesc desc, int rowCapacity) => inner.Prepare(desc, rowCapacity);
    public void Axpy(float alpha, DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, long n)
    { long t = Start(); inner.Axpy(alpha, x, xOffset, y, yOffset, n); Stop(t, "Axpy (loss sum)"); }
}
