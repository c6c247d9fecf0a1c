using ShapeNet.Backends;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Generator.Tests.Emit;

/// <summary>
/// A naive host implementation of the backend's float calls (sums in double, no blocking, no threads, each op written as its
/// definition), so emitted plans and gradient functions can be run and checked against finite differences independently of
/// the real CPU backend, and the kernel suite (tests/ShapeNet.Networks.Tests/Backends) has an oracle for every float family:
/// memory, GEMM and Linear, convolution, pooling, batch norm and dropout, element-wise and reductions, losses and the
/// optimizers (torch.optim's formulas). It has no int32 buffers, embedding or recurrent calls (the CPU backend's tests check
/// those against float64 references and PyTorch).
/// </summary>
public sealed class ReferenceBackend : IBackend
{
    public static ReferenceBackend Instance { get; } = new();

    public string Name => "reference";

    public DeviceBuffer Allocate(long length) => new HostBuffer(new float[length]);

    public DeviceBuffer Wrap(float[] host) => new HostBuffer(host);

    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset = 0) =>
        source.CopyTo(Data(destination).AsSpan((int)destinationOffset));

    public void Download(DeviceBuffer source, Span<float> destination, long sourceOffset = 0) =>
        Data(source).AsSpan((int)sourceOffset, destination.Length).CopyTo(destination);

    public void Fill(DeviceBuffer destination, float value, long offset, long count) =>
        Data(destination).AsSpan((int)offset, (int)count).Fill(value);

    public void CopyRows(DeviceBuffer destination, long destinationOffset, long destinationStride, DeviceBuffer source, long sourceOffset,
        long sourceStride, long rowLength, long rows, bool accumulate)
    {
        float[] dst = Data(destination), src = Data(source);
        for (long r = 0; r < rows; r++)
            for (long i = 0; i < rowLength; i++)
            {
                float v = src[sourceOffset + r * sourceStride + i];
                long d = destinationOffset + r * destinationStride + i;
                dst[d] = accumulate ? dst[d] + v : v;
            }
    }

    public void Synchronize()
    {
    }

    public bool SharesHostMemory => true;

    public Span<float> BeginUpload(DeviceBuffer destination, long destinationOffset, int count) => Data(destination).AsSpan((int)destinationOffset, count);

    public void EndUpload(DeviceBuffer destination, long destinationOffset, int count)
    {
    }

    // Nothing to prepare: the naive loops read the descriptor at each call.
    public void Prepare(in Conv2dDesc desc, int batchCapacity)
    {
    }

    public void Prepare(in Pool2dDesc desc, int batchCapacity)
    {
    }

    public void Prepare(in BatchNormDesc desc, int batchCapacity)
    {
    }

    public void Prepare(in LinearDesc desc, int rowCapacity)
    {
    }

    public void Axpy(float alpha, DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, long n)
    {
        float[] xv = Data(x), yv = Data(y);
        for (long i = 0; i < n; i++) yv[yOffset + i] = (float)(yv[yOffset + i] + (double)alpha * xv[xOffset + i]);
    }

    public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, DeviceBuffer a, long aOffset, int lda,
        DeviceBuffer b, long bOffset, int ldb, float beta, DeviceBuffer c, long cOffset, int ldc,
        int batchCount = 1, long strideA = 0, long strideB = 0, long strideC = 0)
    {
        float[] av = Data(a), bv = Data(b), cv = Data(c);
        for (int batch = 0; batch < batchCount; batch++)
        {
            long ao = aOffset + batch * strideA, bo = bOffset + batch * strideB, co = cOffset + batch * strideC;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++)
                        sum += (double)av[ao + (transposeA ? p * lda + i : i * lda + p)] * bv[bo + (transposeB ? j * ldb + p : p * ldb + j)];
                    long index = co + i * ldc + j;
                    cv[index] = (float)(alpha * sum + (beta == 0 ? 0 : beta * cv[index]));
                }
        }
    }

    public void Linear_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, in LinearDesc desc, int rows)
    {
        (int inFeatures, int outFeatures, UnaryOp activation) = (desc.InFeatures, desc.OutFeatures, desc.Activation);
        float[] yv = Data(y), xv = Data(x), w = Data(weight);
        float[]? bv = bias is null ? null : Data(bias);
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = bv?[o] ?? 0;
                for (int i = 0; i < inFeatures; i++) sum += (double)xv[r * inFeatures + i] * w[o * inFeatures + i];
                yv[r * outFeatures + o] = (float)Apply(activation, 0, sum);
            }
    }

    public void Linear_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
        in LinearDesc desc, int rows, bool accumulateDx, bool accumulateParameters)
    {
        (int inFeatures, int outFeatures) = (desc.InFeatures, desc.OutFeatures);
        float[] g = Data(dy), xv = Data(x), w = Data(weight), dw = Data(dWeight);
        if (dx is not null)
        {
            float[] dxv = Data(dx);
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < inFeatures; i++)
                {
                    double sum = 0;
                    for (int o = 0; o < outFeatures; o++) sum += (double)g[r * outFeatures + o] * w[o * inFeatures + i];
                    Write(dxv, r * inFeatures + i, sum, accumulateDx);
                }
        }
        for (int o = 0; o < outFeatures; o++)
            for (int i = 0; i < inFeatures; i++)
            {
                double sum = 0;
                for (int r = 0; r < rows; r++) sum += (double)g[r * outFeatures + o] * xv[r * inFeatures + i];
                Write(dw, o * inFeatures + i, sum, accumulateParameters);
            }
        if (dBias is not null)
        {
            float[] db = Data(dBias);
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = 0;
                for (int r = 0; r < rows; r++) sum += g[r * outFeatures + o];
                Write(db, o, sum, accumulateParameters);
            }
        }
    }

    public void Unary_Forward(UnaryOp op, float parameter, DeviceBuffer y, DeviceBuffer x, long n, float parameter2 = 0)
    {
        float[] yv = Data(y), xv = Data(x);
        for (long i = 0; i < n; i++)
            yv[i] = (float)(ActivationReference.Handles(op) ? ActivationReference.Forward(op, parameter, parameter2, xv[i]) : Apply(op, parameter, xv[i]));
    }

    public void Unary_Backward(UnaryOp op, float parameter, DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer y, long n, bool accumulate,
        float parameter2 = 0)
    {
        float[] dxv = Data(dx), g = Data(dy), xv = Data(x), yv = Data(y);
        for (long i = 0; i < n; i++)
        {
            double xi = xv[i], yi = yv[i];
            double derivative = ActivationReference.Handles(op) ? ActivationReference.Derivative(op, parameter, parameter2, xi) : op switch
            {
                UnaryOp.Identity or UnaryOp.AddScalar => 1,
                UnaryOp.Relu => yi > 0 ? 1 : 0,
                UnaryOp.Sigmoid => yi * (1 - yi),
                UnaryOp.Tanh => 1 - yi * yi,
                UnaryOp.Exp => yi,
                UnaryOp.Log => 1 / xi,
                UnaryOp.Abs => Math.Sign(xi),
                UnaryOp.Neg or UnaryOp.RSubScalar => -1,
                UnaryOp.Pow => parameter * Math.Pow(xi, parameter - 1),
                UnaryOp.MulScalar => parameter,
                UnaryOp.RDivScalar => -parameter / (xi * xi),
                UnaryOp.Sqrt => 0.5 / yi,
                _ => throw new ArgumentOutOfRangeException(nameof(op)),
            };
            Write(dxv, i, g[i] * derivative, accumulate);
        }
    }

    public void Binary_Forward(BinaryOp op, DeviceBuffer z, DeviceBuffer a, ReadOnlySpan<int> aShape, DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape)
    {
        float[] zv = Data(z), av = Data(a), bv = Data(b);
        int[] zs = zShape.ToArray(), ast = aShape.ToArray(), bst = bShape.ToArray();
        for (int i = 0; i < Count(zs); i++)
        {
            double x = av[Broadcast(i, zs, ast)], y = bv[Broadcast(i, zs, bst)];
            zv[i] = (float)(op switch { BinaryOp.Add => x + y, BinaryOp.Sub => x - y, BinaryOp.Mul => x * y, _ => x / y });
        }
    }

    public void Binary_Backward(BinaryOp op, int operand, DeviceBuffer dOperand, DeviceBuffer dz, DeviceBuffer a, ReadOnlySpan<int> aShape,
        DeviceBuffer b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> zShape, bool accumulate)
    {
        float[] d = Data(dOperand), g = Data(dz), av = Data(a), bv = Data(b);
        int[] zs = zShape.ToArray(), ast = aShape.ToArray(), bst = bShape.ToArray();
        int[] target = operand == 0 ? ast : bst;
        var sums = new double[Count(target)];
        for (int i = 0; i < Count(zs); i++)
        {
            double x = av[Broadcast(i, zs, ast)], y = bv[Broadcast(i, zs, bst)];
            double partial = (op, operand) switch
            {
                (BinaryOp.Add, _) => 1,
                (BinaryOp.Sub, 0) => 1,
                (BinaryOp.Sub, _) => -1,
                (BinaryOp.Mul, 0) => y,
                (BinaryOp.Mul, _) => x,
                (BinaryOp.Div, 0) => 1 / y,
                _ => -x / (y * y),
            };
            sums[Broadcast(i, zs, target)] += g[i] * partial;
        }
        for (int i = 0; i < sums.Length; i++) Write(d, i, sums[i], accumulate);
    }

    public void Reduce_Forward(ReduceOp op, DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes)
    {
        int[] xs = xShape.ToArray(), ys = Reduced(xs, reduceAxes);
        var sums = new double[Count(ys)];
        for (int i = 0; i < Count(xs); i++) sums[Broadcast(i, xs, ys)] += Data(x)[i];
        double scale = op == ReduceOp.Mean ? (double)Count(ys) / Count(xs) : 1;
        for (int i = 0; i < sums.Length; i++) Data(y)[i] = (float)(sums[i] * scale);
    }

    public void Reduce_Backward(ReduceOp op, DeviceBuffer dx, DeviceBuffer dy, ReadOnlySpan<int> xShape, ReadOnlySpan<bool> reduceAxes, bool accumulate)
    {
        int[] xs = xShape.ToArray(), ys = Reduced(xs, reduceAxes);
        double scale = op == ReduceOp.Mean ? (double)Count(ys) / Count(xs) : 1;
        for (int i = 0; i < Count(xs); i++) Write(Data(dx), i, Data(dy)[Broadcast(i, xs, ys)] * scale, accumulate);
    }

    public void TopK_Forward(DeviceBuffer values, DeviceBuffer indices, DeviceBuffer x, int outer, int dim, int inner, int k, bool largest)
    {
        float[] v = Data(values), ix = Data(indices), xv = Data(x);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                // A stable sort of the line's positions by value: ties keep the lower index first.
                int[] order = Enumerable.Range(0, dim).OrderBy(d => largest ? -xv[(o * dim + d) * inner + i] : xv[(o * dim + d) * inner + i]).ToArray();
                for (int j = 0; j < k; j++)
                {
                    v[(o * k + j) * inner + i] = xv[(o * dim + order[j]) * inner + i];
                    ix[(o * k + j) * inner + i] = order[j];
                }
            }
    }

    public void TopK_Backward(DeviceBuffer dx, DeviceBuffer dValues, DeviceBuffer indices, int outer, int dim, int inner, int k, bool accumulate)
    {
        float[] dxv = Data(dx), g = Data(dValues), ix = Data(indices);
        if (!accumulate) System.Array.Clear(dxv, 0, outer * dim * inner);
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < k; j++)
                for (int i = 0; i < inner; i++)
                    dxv[(o * dim + (int)ix[(o * k + j) * inner + i]) * inner + i] += g[(o * k + j) * inner + i];
    }

    public void Softmax_Forward(DeviceBuffer y, DeviceBuffer x, int outer, int dim, int inner, bool log)
    {
        float[] yv = Data(y), xv = Data(x);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int d = 0; d < dim; d++) max = Math.Max(max, xv[(o * dim + d) * inner + i]);
                for (int d = 0; d < dim; d++) sum += Math.Exp(xv[(o * dim + d) * inner + i] - max);
                for (int d = 0; d < dim; d++)
                {
                    int index = (o * dim + d) * inner + i;
                    yv[index] = (float)(log ? xv[index] - max - Math.Log(sum) : Math.Exp(xv[index] - max) / sum);
                }
            }
    }

    public void Softmax_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer y, int outer, int dim, int inner, bool log, bool accumulate)
    {
        float[] dxv = Data(dx), g = Data(dy), yv = Data(y);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double dot = 0;
                for (int d = 0; d < dim; d++)
                {
                    int index = (o * dim + d) * inner + i;
                    dot += log ? g[index] : g[index] * yv[index];
                }
                for (int d = 0; d < dim; d++)
                {
                    int index = (o * dim + d) * inner + i;
                    double value = log ? g[index] - Math.Exp(yv[index]) * dot : yv[index] * (g[index] - dot);
                    Write(dxv, index, value, accumulate);
                }
            }
    }

    public void Permute(DeviceBuffer y, DeviceBuffer x, ReadOnlySpan<int> xShape, ReadOnlySpan<int> permutation, bool accumulate)
    {
        int[] xs = xShape.ToArray(), perm = permutation.ToArray();
        int[] ys = perm.Select(p => xs[p]).ToArray();
        var coordinates = new int[xs.Length];
        for (int i = 0; i < Count(xs); i++)
        {
            int rest = i;
            for (int axis = xs.Length - 1; axis >= 0; axis--)
            {
                coordinates[axis] = rest % xs[axis];
                rest /= xs[axis];
            }
            int target = 0;
            for (int axis = 0; axis < ys.Length; axis++) target = target * ys[axis] + coordinates[perm[axis]];
            Write(Data(y), target, Data(x)[i], accumulate);
        }
    }

    public void Pick_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer indices, int rows, int cols)
    {
        float[] yv = Data(y), xv = Data(x), iv = Data(indices);
        for (int r = 0; r < rows; r++) yv[r] = xv[r * cols + (int)iv[r]];
    }

    public void Pick_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, int rows, int cols, bool accumulate)
    {
        float[] d = Data(dx), g = Data(dy), iv = Data(indices);
        if (!accumulate) Array.Clear(d, 0, rows * cols);
        for (int r = 0; r < rows; r++) d[r * cols + (int)iv[r]] += g[r];
    }

    public void Loss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer target, int rows, int cols)
    {
        float[] x = Data(input), t = Data(target);
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            if (kind is LossKind.CrossEntropy or LossKind.Nll)
            {
                int label = (int)t[r];
                sum -= kind == LossKind.Nll ? x[r * cols + label] : x[r * cols + label] - LogSumExp(x, r * cols, cols);
                continue;
            }
            for (int c = 0; c < cols; c++)
            {
                double v = x[r * cols + c], y = t[r * cols + c];
                sum += kind switch
                {
                    LossKind.Mse => (v - y) * (v - y),
                    LossKind.Bce => -(y * Math.Log(v) + (1 - y) * Math.Log(1 - v)),
                    _ => Math.Max(v, 0) - v * y + Math.Log(1 + Math.Exp(-Math.Abs(v))),
                };
            }
        }
        Data(loss)[0] = (float)(reduction == Reduction.Sum ? sum : sum / Denominator(kind, rows, cols));
    }

    public void Loss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer target,
        int rows, int cols, bool accumulate)
    {
        float[] d = Data(dInput), x = Data(input), t = Data(target);
        double scale = Data(dLoss)[0] / (reduction == Reduction.Sum ? 1.0 : Denominator(kind, rows, cols));
        for (int r = 0; r < rows; r++)
        {
            double logSum = kind == LossKind.CrossEntropy ? LogSumExp(x, r * cols, cols) : 0;
            for (int c = 0; c < cols; c++)
            {
                int index = r * cols + c;
                double v = x[index];
                double gradient = kind switch
                {
                    LossKind.CrossEntropy => Math.Exp(v - logSum) - ((int)t[r] == c ? 1 : 0),
                    LossKind.Nll => (int)t[r] == c ? -1 : 0,
                    LossKind.Mse => 2 * (v - t[index]),
                    LossKind.Bce => (v - t[index]) / (v * (1 - v)),
                    _ => 1 / (1 + Math.Exp(-v)) - t[index],
                };
                Write(d, index, gradient * scale, accumulate);
            }
        }
    }

    public long Conv2d_WorkspaceLength(in Conv2dDesc desc, int batch) => 0;

    /// <summary>The convolution as its definition: every output a sum over its group's input channels and the kernel window, in
    /// double, positions outside the input (padding) skipped.</summary>
    public void Conv2d_Forward(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer? workspace, in Conv2dDesc desc,
        int batch)
    {
        float[] yv = Data(y), xv = Data(x), w = Data(weight);
        float[]? bv = bias is null ? null : Data(bias);
        Conv2dDesc d = desc;
        int inPerGroup = d.InChannels / d.Groups, outPerGroup = d.OutChannels / d.Groups;
        for (int n = 0; n < batch; n++)
            for (int oc = 0; oc < d.OutChannels; oc++)
                for (int oh = 0; oh < d.OutHeight; oh++)
                    for (int ow = 0; ow < d.OutWidth; ow++)
                    {
                        double sum = bv?[oc] ?? 0;
                        ForEachTap(d, n, oc, oh, ow, inPerGroup, outPerGroup, (xi, wi) => sum += (double)xv[xi] * w[wi]);
                        yv[((long)(n * d.OutChannels + oc) * d.OutHeight + oh) * d.OutWidth + ow] = (float)Apply(d.Activation, 0, sum);
                    }
    }

    /// <summary>The three gradients of the convolution by the chain rule on the same taps: each tap adds dy·w to dx and dy·x to dW.</summary>
    public void Conv2d_Backward(DeviceBuffer? dx, DeviceBuffer dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer weight,
        DeviceBuffer? workspace, in Conv2dDesc desc, int batch, bool accumulateDx, bool accumulateParameters)
    {
        float[] g = Data(dy), xv = Data(x), w = Data(weight);
        Conv2dDesc d = desc;
        int inPerGroup = d.InChannels / d.Groups, outPerGroup = d.OutChannels / d.Groups;
        var dxSum = new double[batch * d.InputLength];
        var dwSum = new double[d.WeightLength];
        var dbSum = new double[d.OutChannels];
        for (int n = 0; n < batch; n++)
            for (int oc = 0; oc < d.OutChannels; oc++)
                for (int oh = 0; oh < d.OutHeight; oh++)
                    for (int ow = 0; ow < d.OutWidth; ow++)
                    {
                        double gradient = g[((long)(n * d.OutChannels + oc) * d.OutHeight + oh) * d.OutWidth + ow];
                        dbSum[oc] += gradient;
                        ForEachTap(d, n, oc, oh, ow, inPerGroup, outPerGroup, (xi, wi) =>
                        {
                            dxSum[xi] += gradient * w[wi];
                            dwSum[wi] += gradient * xv[xi];
                        });
                    }
        if (dx is not null) WriteAll(Data(dx), dxSum, accumulateDx);
        WriteAll(Data(dWeight), dwSum, accumulateParameters);
        if (dBias is not null) WriteAll(Data(dBias), dbSum, accumulateParameters);
    }

    /// <summary>Calls <paramref name="tap"/>(x index, weight index) for every kernel position of output (n, oc, oh, ow) inside the input.</summary>
    private static void ForEachTap(in Conv2dDesc d, int n, int oc, int oh, int ow, int inPerGroup, int outPerGroup, Action<long, int> tap)
    {
        int group = oc / outPerGroup;
        for (int ic = 0; ic < inPerGroup; ic++)
        {
            int channel = group * inPerGroup + ic;
            for (int kh = 0; kh < d.KernelH; kh++)
            {
                int ih = oh * d.StrideH - d.PadH + kh * d.DilationH;
                if (ih < 0 || ih >= d.InHeight) continue;
                for (int kw = 0; kw < d.KernelW; kw++)
                {
                    int iw = ow * d.StrideW - d.PadW + kw * d.DilationW;
                    if (iw < 0 || iw >= d.InWidth) continue;
                    tap(((long)(n * d.InChannels + channel) * d.InHeight + ih) * d.InWidth + iw, ((oc * inPerGroup + ic) * d.KernelH + kh) * d.KernelW + kw);
                }
            }
        }
    }

    /// <summary>The window of output (oh, ow) clipped to the input: rows [h0, h1), columns [w0, w1).</summary>
    private static (int H0, int H1, int W0, int W1) Window(in Pool2dDesc d, int oh, int ow)
    {
        int h = oh * d.StrideH - d.PadH, w = ow * d.StrideW - d.PadW;
        return (Math.Max(h, 0), Math.Min(h + d.KernelH, d.Height), Math.Max(w, 0), Math.Min(w + d.KernelW, d.Width));
    }

    /// <summary>PyTorch's divisor: the window clipped to the padded input when padding counts, else to the input.</summary>
    private static int Divisor(in Pool2dDesc d, int oh, int ow)
    {
        if (!d.CountIncludePad)
        {
            (int h0, int h1, int w0, int w1) = Window(d, oh, ow);
            return (h1 - h0) * (w1 - w0);
        }
        int hs = oh * d.StrideH - d.PadH, ws = ow * d.StrideW - d.PadW;
        return (Math.Min(hs + d.KernelH, d.Height + d.PadH) - hs) * (Math.Min(ws + d.KernelW, d.Width + d.PadW) - ws);
    }

    public void MaxPool2d_Forward(DeviceBuffer y, DeviceBuffer indices, DeviceBuffer x, in Pool2dDesc desc, int batch)
    {
        float[] yv = Data(y), iv = Data(indices), xv = Data(x);
        Pool2dDesc d = desc;
        for (int plane = 0; plane < batch * d.Channels; plane++)
            for (int oh = 0; oh < d.OutHeight; oh++)
                for (int ow = 0; ow < d.OutWidth; ow++)
                {
                    (int h0, int h1, int w0, int w1) = Window(d, oh, ow);
                    float best = float.NegativeInfinity;
                    int at = h0 * d.Width + w0;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++)
                        {
                            float v = xv[(long)plane * d.Height * d.Width + ih * d.Width + iw];
                            if (v > best) (best, at) = (v, ih * d.Width + iw);
                        }
                    long o = ((long)plane * d.OutHeight + oh) * d.OutWidth + ow;
                    (yv[o], iv[o]) = (best, at);
                }
    }

    public void MaxPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer indices, in Pool2dDesc desc, int batch, bool accumulate)
    {
        float[] g = Data(dy), iv = Data(indices);
        Pool2dDesc d = desc;
        var sum = new double[batch * d.InputLength];
        long planeOut = (long)d.OutHeight * d.OutWidth, planeIn = (long)d.Height * d.Width;
        for (long o = 0; o < batch * d.OutputLength; o++) sum[o / planeOut * planeIn + (long)iv[o]] += g[o];
        WriteAll(Data(dx), sum, accumulate);
    }

    public void AvgPool2d_Forward(DeviceBuffer y, DeviceBuffer x, in Pool2dDesc desc, int batch)
    {
        float[] yv = Data(y), xv = Data(x);
        Pool2dDesc d = desc;
        for (int plane = 0; plane < batch * d.Channels; plane++)
            for (int oh = 0; oh < d.OutHeight; oh++)
                for (int ow = 0; ow < d.OutWidth; ow++)
                {
                    (int h0, int h1, int w0, int w1) = Window(d, oh, ow);
                    double total = 0;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) total += xv[(long)plane * d.Height * d.Width + ih * d.Width + iw];
                    yv[((long)plane * d.OutHeight + oh) * d.OutWidth + ow] = (float)(total / Divisor(d, oh, ow));
                }
    }

    public void AvgPool2d_Backward(DeviceBuffer dx, DeviceBuffer dy, in Pool2dDesc desc, int batch, bool accumulate)
    {
        float[] g = Data(dy);
        Pool2dDesc d = desc;
        var sum = new double[batch * d.InputLength];
        for (int plane = 0; plane < batch * d.Channels; plane++)
            for (int oh = 0; oh < d.OutHeight; oh++)
                for (int ow = 0; ow < d.OutWidth; ow++)
                {
                    (int h0, int h1, int w0, int w1) = Window(d, oh, ow);
                    double share = g[((long)plane * d.OutHeight + oh) * d.OutWidth + ow] / (double)Divisor(d, oh, ow);
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) sum[(long)plane * d.Height * d.Width + ih * d.Width + iw] += share;
                }
        WriteAll(Data(dx), sum, accumulate);
    }

    public void GlobalAvgPool_Forward(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int planeSize)
    {
        float[] yv = Data(y), xv = Data(x);
        for (int plane = 0; plane < batch * channels; plane++)
        {
            double total = 0;
            for (int i = 0; i < planeSize; i++) total += xv[(long)plane * planeSize + i];
            yv[plane] = (float)(total / planeSize);
        }
    }

    public void GlobalAvgPool_Backward(DeviceBuffer dx, DeviceBuffer dy, int batch, int channels, int planeSize, bool accumulate)
    {
        float[] dxv = Data(dx), g = Data(dy);
        for (int plane = 0; plane < batch * channels; plane++)
            for (int i = 0; i < planeSize; i++) Write(dxv, (long)plane * planeSize + i, g[plane] / (double)planeSize, accumulate);
    }

    /// <summary>Batch statistics in double over the batch and the plane (biased variance to normalise, unbiased for the running
    /// variance), or the running statistics in evaluation; saveMean/saveInvStd get the statistics used.</summary>
    public void BatchNorm2d_Forward(DeviceBuffer y, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? runningMean, DeviceBuffer? runningVar,
        DeviceBuffer x, DeviceBuffer? weight, DeviceBuffer? bias, in BatchNormDesc desc, int batch, bool training)
    {
        float[] yv = Data(y), xv = Data(x), sm = Data(saveMean), si = Data(saveInvStd);
        float[]? wv = weight is null ? null : Data(weight), bv = bias is null ? null : Data(bias);
        float[]? rm = runningMean is null ? null : Data(runningMean), rv = runningVar is null ? null : Data(runningVar);
        int c = desc.Channels, plane = desc.PlaneSize;
        long count = (long)batch * plane;
        for (int ch = 0; ch < c; ch++)
        {
            double mean, variance;
            if (training || rm is null || rv is null)
            {
                double total = 0, squares = 0;
                for (int n = 0; n < batch; n++)
                    for (int i = 0; i < plane; i++) total += xv[((long)n * c + ch) * plane + i];
                mean = total / count;
                for (int n = 0; n < batch; n++)
                    for (int i = 0; i < plane; i++)
                    {
                        double centred = xv[((long)n * c + ch) * plane + i] - mean;
                        squares += centred * centred;
                    }
                variance = squares / count;
                if (rm is not null && rv is not null)
                {
                    rm[ch] = (float)((1 - desc.Momentum) * rm[ch] + desc.Momentum * mean);
                    rv[ch] = (float)((1 - desc.Momentum) * rv[ch] + desc.Momentum * (count > 1 ? squares / (count - 1) : variance));
                }
            }
            else
            {
                (mean, variance) = (rm[ch], rv[ch]);
            }
            double invStd = 1 / Math.Sqrt(variance + desc.Eps);
            (sm[ch], si[ch]) = ((float)mean, (float)invStd);
            double scale = wv?[ch] ?? 1, shift = bv?[ch] ?? 0;
            for (int n = 0; n < batch; n++)
                for (int i = 0; i < plane; i++)
                {
                    long at = ((long)n * c + ch) * plane + i;
                    yv[at] = (float)((xv[at] - mean) * invStd * scale + shift);
                }
        }
    }

    /// <summary>With x̂ = (x − mean)·invStd and g = dy·weight: dx = invStd·(g − mean(g) − x̂·mean(g·x̂)) when training (through the
    /// batch statistics), invStd·g in evaluation; dWeight = Σ dy·x̂, dBias = Σ dy.</summary>
    public void BatchNorm2d_Backward(DeviceBuffer? dx, DeviceBuffer? dWeight, DeviceBuffer? dBias, DeviceBuffer dy, DeviceBuffer x,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer? weight, in BatchNormDesc desc, int batch, bool training,
        bool accumulateDx, bool accumulateParameters)
    {
        float[] g = Data(dy), xv = Data(x), sm = Data(saveMean), si = Data(saveInvStd);
        float[]? wv = weight is null ? null : Data(weight);
        int c = desc.Channels, plane = desc.PlaneSize;
        long count = (long)batch * plane;
        for (int ch = 0; ch < c; ch++)
        {
            double mean = sm[ch], invStd = si[ch], scale = wv?[ch] ?? 1;
            double sumDy = 0, sumDyXhat = 0;
            for (int n = 0; n < batch; n++)
                for (int i = 0; i < plane; i++)
                {
                    long at = ((long)n * c + ch) * plane + i;
                    sumDy += g[at];
                    sumDyXhat += g[at] * (xv[at] - mean) * invStd;
                }
            if (dWeight is not null) Write(Data(dWeight), ch, sumDyXhat, accumulateParameters);
            if (dBias is not null) Write(Data(dBias), ch, sumDy, accumulateParameters);
            if (dx is null) continue;
            float[] dxv = Data(dx);
            for (int n = 0; n < batch; n++)
                for (int i = 0; i < plane; i++)
                {
                    long at = ((long)n * c + ch) * plane + i;
                    double xhat = (xv[at] - mean) * invStd;
                    double value = training ? scale * invStd * (g[at] - sumDy / count - xhat * sumDyXhat / count) : scale * invStd * g[at];
                    Write(dxv, at, value, accumulateDx);
                }
        }
    }

    /// <summary>An element is kept when its uniform number (the hash every backend shares, <see cref="global::ShapeNet.Backends.Cpu.CpuDropout.Uniform"/>)
    /// is at least p; kept elements are scaled by 1/(1 − p).</summary>
    public void Dropout_Forward(DeviceBuffer y, DeviceBuffer mask, DeviceBuffer x, long n, float p, ulong seed, uint step)
    {
        float[] yv = Data(y), mv = Data(mask), xv = Data(x);
        for (long i = 0; i < n; i++)
        {
            bool keep = global::ShapeNet.Backends.Cpu.CpuDropout.Uniform(seed, step, (uint)i) >= p;
            mv[i] = keep ? 1f : 0f;
            yv[i] = keep && p < 1 ? (float)(xv[i] / (1.0 - p)) : 0f;
        }
    }

    public void Dropout_Backward(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer mask, long n, float p, bool accumulate)
    {
        float[] dxv = Data(dx), g = Data(dy), mv = Data(mask);
        for (long i = 0; i < n; i++) Write(dxv, i, p < 1 ? g[i] * mv[i] / (1.0 - p) : 0, accumulate);
    }

    private static void WriteAll(float[] destination, double[] values, bool accumulate)
    {
        for (long i = 0; i < values.Length; i++) Write(destination, i, values[i], accumulate);
    }

    public DeviceBuffer AllocateInt32(long length) => throw NotRecurrent();

    public void UploadInt32(ReadOnlySpan<int> source, DeviceBuffer destination, long destinationOffset = 0) => throw NotRecurrent();

    public void DownloadInt32(DeviceBuffer source, Span<int> destination, long sourceOffset = 0) => throw NotRecurrent();

    public void Embedding_Forward(DeviceBuffer y, DeviceBuffer weight, DeviceBuffer ids, int n, int num, int dim) => throw NotRecurrent();

    public void Embedding_Backward(DeviceBuffer dWeight, DeviceBuffer dy, DeviceBuffer ids, int n, int num, int dim, int paddingIdx, bool accumulate) =>
        throw NotRecurrent();

    public void OneHot_Forward(DeviceBuffer y, DeviceBuffer ids, int n, int classes) => throw NotRecurrent();

    public long Recurrent_ReserveLength(in RecurrentDescriptor descriptor, int seqLength, int batch) => throw NotRecurrent();

    public long Recurrent_WorkspaceLength(in RecurrentDescriptor descriptor, int seqLength, int batch) => throw NotRecurrent();

    public RecurrentTensors Recurrent_Bind(in RecurrentDescriptor descriptor, ReadOnlySpan<DeviceBuffer> tensors) => throw NotRecurrent();

    public void Recurrent_Forward(in RecurrentDescriptor descriptor, DeviceBuffer output, DeviceBuffer? hN, DeviceBuffer? cN, DeviceBuffer reserve,
        DeviceBuffer workspace, DeviceBuffer x, DeviceBuffer? h0, DeviceBuffer? c0, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength,
        int batch, bool training, ulong dropoutSeed, uint dropoutStep) => throw NotRecurrent();

    public void Recurrent_Backward(in RecurrentDescriptor descriptor, DeviceBuffer? dx, DeviceBuffer? dh0, DeviceBuffer? dc0,
        RecurrentTensors parameterGradients, DeviceBuffer workspace, DeviceBuffer? dOutput, DeviceBuffer? dhN, DeviceBuffer? dcN, DeviceBuffer reserve,
        DeviceBuffer x, RecurrentTensors parameters, DeviceBuffer? lengths, int seqLength, int batch, bool training, bool accumulateDx,
        bool accumulateParameters) => throw NotRecurrent();

    public void IndexLoss_Forward(LossKind kind, Reduction reduction, DeviceBuffer loss, DeviceBuffer input, DeviceBuffer targets, int rows, int cols) =>
        throw NotRecurrent();

    public void IndexLoss_Backward(LossKind kind, Reduction reduction, DeviceBuffer dInput, DeviceBuffer dLoss, DeviceBuffer input, DeviceBuffer targets,
        int rows, int cols, bool accumulate) => throw NotRecurrent();

    /// <summary>Integer inputs and recurrent layers are checked on the CPU backend against float64 references and PyTorch
    /// (ShapeNet.Runtime.Tests, ShapeNet.Networks.Tests).</summary>
    private static NotSupportedException NotRecurrent() =>
        new("The reference backend has no int32 buffers, embedding or recurrent calls; the CPU backend's tests check them.");

    // ---- optimizers: torch.optim's update formulas, in double ------------------------------------------------------------

    public void Sgd_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer? momentumBuffer, long n, float lr, float momentum, float dampening,
        float weightDecay, bool nesterov, bool maximize, bool firstStep)
    {
        float[] p = Data(parameter), grad = Data(gradient);
        float[]? buffer = momentum != 0 ? Data(momentumBuffer!) : null;
        for (long i = 0; i < n; i++)
        {
            double g = (maximize ? -grad[i] : grad[i]) + (double)weightDecay * p[i];
            if (buffer is not null)
            {
                double b = firstStep ? g : momentum * (double)buffer[i] + (1 - (double)dampening) * g;
                buffer[i] = (float)b;
                g = nesterov ? g + momentum * b : b;
            }
            p[i] = (float)(p[i] - lr * g);
        }
    }

    public void Adam_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer expAvg, DeviceBuffer expAvgSquare, DeviceBuffer? maxExpAvgSquare, long n,
        float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay, bool maximize, int step)
    {
        float[] p = Data(parameter), grad = Data(gradient), m = Data(expAvg), v = Data(expAvgSquare);
        float[]? vMax = maxExpAvgSquare is null ? null : Data(maxExpAvgSquare);
        double correction1 = 1 - Math.Pow(beta1, step), correction2 = 1 - Math.Pow(beta2, step);
        for (long i = 0; i < n; i++)
        {
            double g = maximize ? -grad[i] : grad[i], value = p[i];
            if (decoupledWeightDecay) value *= 1 - (double)lr * weightDecay;
            else g += (double)weightDecay * value;
            double mean = beta1 * (double)m[i] + (1 - (double)beta1) * g, square = beta2 * (double)v[i] + (1 - (double)beta2) * g * g;
            (m[i], v[i]) = ((float)mean, (float)square);
            if (vMax is not null)
            {
                square = Math.Max(vMax[i], square);
                vMax[i] = (float)square;
            }
            p[i] = (float)(value - lr / correction1 * mean / (Math.Sqrt(square) / Math.Sqrt(correction2) + eps));
        }
    }

    public void Adagrad_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer stateSum, long n, float lr, float lrDecay, float weightDecay,
        float eps, bool maximize, int step)
    {
        float[] p = Data(parameter), grad = Data(gradient), sum = Data(stateSum);
        double clr = lr / (1 + (step - 1) * (double)lrDecay);
        for (long i = 0; i < n; i++)
        {
            double g = (maximize ? -grad[i] : grad[i]) + (double)weightDecay * p[i];
            double total = sum[i] + g * g;
            sum[i] = (float)total;
            p[i] = (float)(p[i] - clr * g / (Math.Sqrt(total) + eps));
        }
    }

    public void RmsProp_Step(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAvg, DeviceBuffer? gradAvg, DeviceBuffer? momentumBuffer,
        long n, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
    {
        float[] p = Data(parameter), grad = Data(gradient), square = Data(squareAvg);
        float[]? average = centered ? Data(gradAvg!) : null, buffer = momentum > 0 ? Data(momentumBuffer!) : null;
        for (long i = 0; i < n; i++)
        {
            double g = (maximize ? -grad[i] : grad[i]) + (double)weightDecay * p[i];
            double sa = alpha * (double)square[i] + (1 - (double)alpha) * g * g;
            square[i] = (float)sa;
            double denominator;
            if (average is not null)
            {
                double ga = alpha * (double)average[i] + (1 - (double)alpha) * g;
                average[i] = (float)ga;
                denominator = Math.Sqrt(sa - ga * ga) + eps;
            }
            else
            {
                denominator = Math.Sqrt(sa) + eps;
            }
            if (buffer is not null)
            {
                double b = momentum * (double)buffer[i] + g / denominator;
                buffer[i] = (float)b;
                p[i] = (float)(p[i] - lr * b);
            }
            else
            {
                p[i] = (float)(p[i] - lr * g / denominator);
            }
        }
    }

    private sealed class HostBuffer : DeviceBuffer
    {
        public HostBuffer(float[] data) : base(data.Length) => Values = data;

        public float[] Values { get; }
    }

    private static float[] Data(DeviceBuffer buffer) => ((HostBuffer)buffer).Values;

    private static void Write(float[] destination, long index, double value, bool accumulate) =>
        destination[index] = accumulate ? (float)(destination[index] + value) : (float)value;

    private static double Apply(UnaryOp op, float parameter, double x) => op switch
    {
        UnaryOp.Identity => x,
        UnaryOp.Relu => Math.Max(x, 0),
        UnaryOp.Sigmoid => 1 / (1 + Math.Exp(-x)),
        UnaryOp.Tanh => Math.Tanh(x),
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => Math.Log(x),
        UnaryOp.Abs => Math.Abs(x),
        UnaryOp.Neg => -x,
        UnaryOp.Pow => Math.Pow(x, parameter),
        UnaryOp.AddScalar => x + parameter,
        UnaryOp.MulScalar => x * parameter,
        UnaryOp.RSubScalar => parameter - x,
        UnaryOp.RDivScalar => parameter / x,
        UnaryOp.Sqrt => Math.Sqrt(x),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static int Count(int[] shape) => shape.Aggregate(1, (a, d) => a * d);

    /// <summary>The index in an operand of <paramref name="operandShape"/> (same rank, 1 on broadcast axes) of element
    /// <paramref name="index"/> of <paramref name="fullShape"/>.</summary>
    private static int Broadcast(int index, int[] fullShape, int[] operandShape)
    {
        int result = 0, stride = 1;
        for (int axis = fullShape.Length - 1; axis >= 0; axis--)
        {
            int coordinate = index % fullShape[axis];
            index /= fullShape[axis];
            if (operandShape[axis] != 1) result += coordinate * stride;
            stride *= operandShape[axis];
        }
        return result;
    }

    private static int[] Reduced(int[] shape, ReadOnlySpan<bool> axes)
    {
        var result = (int[])shape.Clone();
        for (int i = 0; i < result.Length; i++) if (axes[i]) result[i] = 1;
        return result;
    }

    private static double LogSumExp(float[] x, int offset, int count)
    {
        double max = double.NegativeInfinity, sum = 0;
        for (int i = 0; i < count; i++) max = Math.Max(max, x[offset + i]);
        for (int i = 0; i < count; i++) sum += Math.Exp(x[offset + i] - max);
        return max + Math.Log(sum);
    }

    private static double Denominator(LossKind kind, int rows, int cols) => kind is LossKind.CrossEntropy or LossKind.Nll ? rows : (double)rows * cols;
}
