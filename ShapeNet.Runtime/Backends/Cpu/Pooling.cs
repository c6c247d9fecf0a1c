using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ShapeNet.Backends.Cpu;

/// <summary>
/// Max, average and global average pooling over NCHW planes, PyTorch semantics with ceil_mode = false:
/// out = floor((in + 2·pad − kernel) / stride) + 1. Every (sample, channel) plane is pooled independently.
/// </summary>
[SkipLocalsInit]
public static class CpuPooling
{
    /// <summary>floor((size + 2·pad − kernel) / stride) + 1; PyTorch requires pad ≤ kernel / 2.</summary>
    public static int OutputSize(int size, int kernel, int stride, int pad, string axis = "size")
    {
        if (size <= 0 || kernel <= 0 || stride <= 0 || pad < 0 || 2L * pad > kernel)
            throw new ArgumentException($"Pool2d {axis}: input {size}, kernel {kernel}, stride {stride} must be positive " +
                $"and pad {pad} at most half the kernel.");
        long padded = size + 2L * pad;
        if (padded < kernel)
            throw new ArgumentException($"Pool2d {axis}: the kernel {kernel} is larger than the padded input {padded}.");
        return SizeMath.ToInt("Pool2d: the output size", (padded - kernel) / stride + 1);
    }

    /// <summary>
    /// x (N,C,H,W) -> y (N,C,outH,outW), indices (N,C,outH,outW)
    /// y = the maximum of each window (padding never wins); indices = its position ih·W + iw within the input plane,
    /// stored as a float (exact below 2²⁴), as PyTorch's return_indices. Ties keep the first position in row-major order.
    /// </summary>
    public static void MaxPool2d_Forward(Span<float> y, Span<float> indices, ReadOnlySpan<float> x, int batch, int channels,
        int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        (int outH, int outW) = CheckPool("MaxPool2d", y.Length, x.Length, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        CheckLength("MaxPool2d", "indices", indices.Length, y.Length);
        int planes = batch * channels, inPlane = height * width, outPlane = outH * outW;
        if (kernelH == 2 && kernelW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0)
        {
            MaxPool2x2(y, indices, x, planes, height, width, outH, outW);
            return;
        }
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<float> xp = x.Slice(p * inPlane, inPlane);
            Span<float> yp = y.Slice(p * outPlane, outPlane), ip = indices.Slice(p * outPlane, outPlane);
            for (int oh = 0; oh < outH; oh++)
            {
                int h0 = oh * strideH - padH, h1 = Math.Min(h0 + kernelH, height);
                h0 = Math.Max(h0, 0);
                for (int ow = 0; ow < outW; ow++)
                {
                    int w0 = ow * strideW - padW, w1 = Math.Min(w0 + kernelW, width);
                    w0 = Math.Max(w0, 0);
                    float best = float.NegativeInfinity;
                    int bestIndex = h0 * width + w0;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++)
                        {
                            float v = xp[ih * width + iw];
                            // NaN propagates, as in PyTorch: once the maximum is NaN it stays.
                            if (v > best || float.IsNaN(v) && !float.IsNaN(best))
                            {
                                best = v;
                                bestIndex = ih * width + iw;
                            }
                        }
                    yp[oh * outW + ow] = best;
                    ip[oh * outW + ow] = bestIndex;
                }
            }
        }
    }

    /// <summary>The common 2×2, stride 2, unpadded window (every CNN here) without the general window arithmetic: the same
    /// comparisons in the same order (row-major, strictly greater wins, NaN sticks), so the same maxima and indices.</summary>
    private static unsafe void MaxPool2x2(Span<float> y, Span<float> indices, ReadOnlySpan<float> x, int planes, int height, int width,
        int outH, int outW)
    {
        int inPlane = height * width, outPlane = outH * outW;
        fixed (float* px = x, py = y, pi = indices)
        {
            for (int p = 0; p < planes; p++)
            {
                float* xp = px + (long)p * inPlane, yp = py + (long)p * outPlane, ip = pi + (long)p * outPlane;
                for (int oh = 0; oh < outH; oh++)
                {
                    float* row0 = xp + 2 * oh * width, row1 = row0 + width;
                    int rowIndex = 2 * oh * width;
                    float* yRow = yp + oh * outW, iRow = ip + oh * outW;
                    int ow = 0;
                    if (Avx2.IsSupported && outW >= 8)
                    {
                        // Eight windows at a time, branch-free (random data mispredicts the scalar comparisons); the last
                        // block overlaps the previous one when outW is not a multiple of 8 (it rewrites the same values).
                        for (int block = 0; ; block += 8)
                        {
                            ow = Math.Min(block, outW - 8);
                            MaxPool2x2Block(row0 + 2 * ow, row1 + 2 * ow, rowIndex + 2 * ow, width, yRow + ow, iRow + ow);
                            if (ow == outW - 8) break;
                        }
                        continue;
                    }
                    if (Sse.IsSupported && outW >= 4)
                    {
                        // The same with four windows (8×8 → 4×4 planes).
                        for (int block = 0; ; block += 4)
                        {
                            ow = Math.Min(block, outW - 4);
                            MaxPool2x2Block4(row0 + 2 * ow, row1 + 2 * ow, rowIndex + 2 * ow, width, yRow + ow, iRow + ow);
                            if (ow == outW - 4) break;
                        }
                        continue;
                    }
                    for (; ow < outW; ow++)
                    {
                        int column = 2 * ow;
                        float a = row0[column], b = row0[column + 1], c = row1[column], d = row1[column + 1];
                        float best = a;
                        int bestIndex = rowIndex + column;
                        // a is the first candidate: it beats the general loop's −∞ start or, being −∞, keeps a's index anyway.
                        if (b > best || float.IsNaN(b) && !float.IsNaN(best)) { best = b; bestIndex = rowIndex + column + 1; }
                        if (c > best || float.IsNaN(c) && !float.IsNaN(best)) { best = c; bestIndex = rowIndex + width + column; }
                        if (d > best || float.IsNaN(d) && !float.IsNaN(best)) { best = d; bestIndex = rowIndex + width + column + 1; }
                        yRow[ow] = best;
                        iRow[ow] = bestIndex;
                    }
                }
            }
        }
    }

    /// <summary>Windows ow..ow+8 of one output row: a, b from the upper input row, c, d from the lower, compared in that
    /// order exactly as the scalar loop (strictly greater wins, a NaN replaces a non-NaN maximum and then stays).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MaxPool2x2Block(float* row0, float* row1, int firstIndex, int width, float* y, float* indices)
    {
        Vector256<float> u0 = Vector256.Load(row0), u1 = Vector256.Load(row0 + 8);
        Vector256<float> l0 = Vector256.Load(row1), l1 = Vector256.Load(row1 + 8);
        // Shuffle takes even (or odd) columns of both vectors per 128-bit lane; the 64-bit permute restores column order.
        Vector256<float> a = Avx2.Permute4x64(Avx.Shuffle(u0, u1, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
        Vector256<float> b = Avx2.Permute4x64(Avx.Shuffle(u0, u1, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
        Vector256<float> c = Avx2.Permute4x64(Avx.Shuffle(l0, l1, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
        Vector256<float> d = Avx2.Permute4x64(Avx.Shuffle(l0, l1, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
        Vector256<float> index = Vector256.Create((float)firstIndex) + Vector256.Create(0f, 2f, 4f, 6f, 8f, 10f, 12f, 14f);
        Vector256<float> best = a, bestIndex = index;
        Take(b, index + Vector256.Create(1f), ref best, ref bestIndex);
        Take(c, index + Vector256.Create((float)width), ref best, ref bestIndex);
        Take(d, index + Vector256.Create((float)(width + 1)), ref best, ref bestIndex);
        Vector256.Store(best, y);
        Vector256.Store(bestIndex, indices);
    }

    /// <summary><see cref="MaxPool2x2Block"/> for four windows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MaxPool2x2Block4(float* row0, float* row1, int firstIndex, int width, float* y, float* indices)
    {
        Vector128<float> u0 = Vector128.Load(row0), u1 = Vector128.Load(row0 + 4);
        Vector128<float> l0 = Vector128.Load(row1), l1 = Vector128.Load(row1 + 4);
        Vector128<float> a = Sse.Shuffle(u0, u1, 0b10_00_10_00), b = Sse.Shuffle(u0, u1, 0b11_01_11_01);
        Vector128<float> c = Sse.Shuffle(l0, l1, 0b10_00_10_00), d = Sse.Shuffle(l0, l1, 0b11_01_11_01);
        Vector128<float> index = Vector128.Create((float)firstIndex) + Vector128.Create(0f, 2f, 4f, 6f);
        Vector128<float> best = a, bestIndex = index;
        Take(b, index + Vector128.Create(1f), ref best, ref bestIndex);
        Take(c, index + Vector128.Create((float)width), ref best, ref bestIndex);
        Take(d, index + Vector128.Create((float)(width + 1)), ref best, ref bestIndex);
        Vector128.Store(best, y);
        Vector128.Store(bestIndex, indices);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector128<float> value, Vector128<float> index, ref Vector128<float> best, ref Vector128<float> bestIndex)
    {
        Vector128<float> valueIsNaN = ~Vector128.Equals(value, value), bestIsNaN = ~Vector128.Equals(best, best);
        Vector128<float> take = Vector128.GreaterThan(value, best) | Vector128.AndNot(valueIsNaN, bestIsNaN);
        best = Vector128.ConditionalSelect(take, value, best);
        bestIndex = Vector128.ConditionalSelect(take, index, bestIndex);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector256<float> value, Vector256<float> index, ref Vector256<float> best, ref Vector256<float> bestIndex)
    {
        Vector256<float> valueIsNaN = ~Vector256.Equals(value, value), bestIsNaN = ~Vector256.Equals(best, best);
        Vector256<float> take = Vector256.GreaterThan(value, best) | Vector256.AndNot(valueIsNaN, bestIsNaN);
        best = Vector256.ConditionalSelect(take, value, best);
        bestIndex = Vector256.ConditionalSelect(take, index, bestIndex);
    }

    /// <summary>
    /// dy (N,C,outH,outW), indices (N,C,outH,outW) -> dx (N,C,H,W)
    /// dx[plane, indices] (+)= dy: each output's gradient goes to the input position that won its window.
    /// </summary>
    public static void MaxPool2d_Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> indices, int batch, int channels,
        int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool accumulate)
    {
        (int outH, int outW) = CheckPool("MaxPool2d backward", dy.Length, dx.Length, batch, channels, height, width, kernelH, kernelW,
            strideH, strideW, padH, padW);
        CheckLength("MaxPool2d backward", "indices", indices.Length, dy.Length);
        int planes = batch * channels, inPlane = height * width, outPlane = outH * outW;
        if (kernelH == 2 && kernelW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0 && Avx2.IsSupported)
        {
            MaxPool2x2Backward(dx, dy, indices, planes, height, width, outH, outW, accumulate);
            return;
        }
        if (!accumulate) dx[..(planes * inPlane)].Clear();
        for (int p = 0; p < planes; p++)
        {
            Span<float> dxp = dx.Slice(p * inPlane, inPlane);
            ReadOnlySpan<float> dyp = dy.Slice(p * outPlane, outPlane), ip = indices.Slice(p * outPlane, outPlane);
            for (int o = 0; o < outPlane; o++) dxp[(int)ip[o]] += dyp[o];
        }
    }

    /// <summary>2×2 windows at stride 2 do not overlap: each window writes its four dx values (dy at the stored index, zero
    /// at the others; added when accumulating) instead of a cleared plane and a scatter. Eight windows per step: their
    /// four candidate positions are compared with the indices and interleaved into the two input rows. Rows and columns
    /// no window covers (odd sizes) are cleared unless accumulating.</summary>
    private static unsafe void MaxPool2x2Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> indices, int planes,
        int height, int width, int outH, int outW, bool accumulate)
    {
        int inPlane = height * width, outPlane = outH * outW, vectorEnd = outW & ~7;
        Vector256<int> lanes = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        fixed (float* pdx = dx, pdy = dy, pi = indices)
            for (int p = 0; p < planes; p++)
            {
                float* dxp = pdx + (long)p * inPlane, dyp = pdy + (long)p * outPlane, ip = pi + (long)p * outPlane;
                for (int oh = 0; oh < outH; oh++)
                {
                    float* row0 = dxp + 2 * oh * width, row1 = row0 + width, dyRow = dyp + oh * outW, iRow = ip + oh * outW;
                    int ow = 0;
                    for (; ow < vectorEnd; ow += 8)
                    {
                        Vector256<int> index = Avx.ConvertToVector256Int32WithTruncation(Avx.LoadVector256(iRow + ow));
                        Vector256<int> first = Vector256.Create(2 * oh * width + 2 * ow) + lanes;
                        Vector256<float> d = Vector256.Load(dyRow + ow);
                        Vector256<float> v00 = Vector256.Equals(index, first).AsSingle() & d;
                        Vector256<float> v01 = Vector256.Equals(index, first + Vector256<int>.One).AsSingle() & d;
                        Vector256<float> v10 = Vector256.Equals(index, first + Vector256.Create(width)).AsSingle() & d;
                        Vector256<float> v11 = Vector256.Equals(index, first + Vector256.Create(width + 1)).AsSingle() & d;
                        Interleave(v00, v01, row0 + 2 * ow, accumulate);
                        Interleave(v10, v11, row1 + 2 * ow, accumulate);
                    }
                    if (ow + 4 <= outW)
                    {
                        Vector128<int> index = Sse2.ConvertToVector128Int32WithTruncation(Sse.LoadVector128(iRow + ow));
                        Vector128<int> first = Vector128.Create(2 * oh * width + 2 * ow) + lanes.GetLower();
                        Vector128<float> d = Vector128.Load(dyRow + ow);
                        Vector128<float> v00 = Vector128.Equals(index, first).AsSingle() & d;
                        Vector128<float> v01 = Vector128.Equals(index, first + Vector128<int>.One).AsSingle() & d;
                        Vector128<float> v10 = Vector128.Equals(index, first + Vector128.Create(width)).AsSingle() & d;
                        Vector128<float> v11 = Vector128.Equals(index, first + Vector128.Create(width + 1)).AsSingle() & d;
                        Interleave(v00, v01, row0 + 2 * ow, accumulate);
                        Interleave(v10, v11, row1 + 2 * ow, accumulate);
                        ow += 4;
                    }
                    for (; ow < outW; ow++)
                    {
                        // Branch-free: a random argmax would mispredict a comparison chain about once per window.
                        float* a = row0 + 2 * ow, b = row1 + 2 * ow;
                        if (!accumulate) a[0] = a[1] = b[0] = b[1] = 0f;
                        dxp[(int)iRow[ow]] += dyRow[ow];
                    }
                    if (!accumulate && (width & 1) != 0)
                    {
                        row0[width - 1] = 0f;
                        row1[width - 1] = 0f;
                    }
                }
                if (!accumulate && (height & 1) != 0) new Span<float>(dxp + (height - 1) * width, width).Clear();
            }
    }

    /// <summary>[a0, b0, a1, b1, a2, b2, a3, b3] stored (or added) at destination.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Interleave(Vector128<float> a, Vector128<float> b, float* destination, bool accumulate)
    {
        Vector128<float> first = Sse.UnpackLow(a, b), second = Sse.UnpackHigh(a, b);
        if (accumulate)
        {
            first += Vector128.Load(destination);
            second += Vector128.Load(destination + 4);
        }
        Vector128.Store(first, destination);
        Vector128.Store(second, destination + 4);
    }

    /// <summary>[a0, b0, a1, b1, …, a7, b7] stored (or added) at destination.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Interleave(Vector256<float> a, Vector256<float> b, float* destination, bool accumulate)
    {
        Vector256<float> low = Avx.UnpackLow(a, b), high = Avx.UnpackHigh(a, b);
        Vector256<float> first = Avx.Permute2x128(low, high, 0x20), second = Avx.Permute2x128(low, high, 0x31);
        if (accumulate)
        {
            first += Vector256.Load(destination);
            second += Vector256.Load(destination + 8);
        }
        Vector256.Store(first, destination);
        Vector256.Store(second, destination + 8);
    }

    /// <summary>
    /// x (N,C,H,W) -> y (N,C,outH,outW)
    /// y = the window sum divided by kH·kW clipped to the padded input (countIncludePad) or by the number of
    /// in-bounds elements (not countIncludePad).
    /// </summary>
    public static void AvgPool2d_Forward(Span<float> y, ReadOnlySpan<float> x, int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool countIncludePad)
    {
        (int outH, int outW) = CheckPool("AvgPool2d", y.Length, x.Length, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        int planes = batch * channels, inPlane = height * width, outPlane = outH * outW;
        if (IsSameBox3(kernelH, kernelW, strideH, strideW, padH, padW, width))
        {
            AvgPool3x3Same(y, x, planes, height, width, countIncludePad, accumulate: false, backward: false);
            return;
        }
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<float> xp = x.Slice(p * inPlane, inPlane);
            Span<float> yp = y.Slice(p * outPlane, outPlane);
            for (int oh = 0; oh < outH; oh++)
                for (int ow = 0; ow < outW; ow++)
                {
                    Window(oh, ow, height, width, kernelH, kernelW, strideH, strideW, padH, padW, countIncludePad,
                        out int h0, out int h1, out int w0, out int w1, out float scale);
                    float sum = 0f;
                    for (int ih = h0; ih < h1; ih++) sum += TensorPrimitives.Sum(xp.Slice(ih * width + w0, w1 - w0));
                    yp[oh * outW + ow] = sum * scale;
                }
        }
    }

    /// <summary>
    /// dy (N,C,outH,outW) -> dx (N,C,H,W)
    /// dx (+)= each output's gradient spread evenly (by the forward's divisor) over the in-bounds window.
    /// </summary>
    public static void AvgPool2d_Backward(Span<float> dx, ReadOnlySpan<float> dy, int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool countIncludePad, bool accumulate)
    {
        (int outH, int outW) = CheckPool("AvgPool2d backward", dy.Length, dx.Length, batch, channels, height, width, kernelH, kernelW,
            strideH, strideW, padH, padW);
        int planes = batch * channels, inPlane = height * width, outPlane = outH * outW;
        if (IsSameBox3(kernelH, kernelW, strideH, strideW, padH, padW, width))
        {
            AvgPool3x3Same(dx, dy, planes, height, width, countIncludePad, accumulate, backward: true);
            return;
        }
        if (!accumulate) dx[..(planes * inPlane)].Clear();
        for (int p = 0; p < planes; p++)
        {
            Span<float> dxp = dx.Slice(p * inPlane, inPlane);
            ReadOnlySpan<float> dyp = dy.Slice(p * outPlane, outPlane);
            for (int oh = 0; oh < outH; oh++)
                for (int ow = 0; ow < outW; ow++)
                {
                    Window(oh, ow, height, width, kernelH, kernelW, strideH, strideW, padH, padW, countIncludePad,
                        out int h0, out int h1, out int w0, out int w1, out float scale);
                    float share = dyp[oh * outW + ow] * scale;
                    for (int ih = h0; ih < h1; ih++)
                    {
                        Span<float> row = dxp.Slice(ih * width + w0, w1 - w0);
                        TensorPrimitives.Add(row, share, row);
                    }
                }
        }
    }

    /// <summary>3×3, stride 1, pad 1 (Inception's pool branch): the output has the input's size.</summary>
    private static bool IsSameBox3(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int width)
        => kernelH == 3 && kernelW == 3 && strideH == 1 && strideW == 1 && padH == 1 && padW == 1 && width <= MaxBoxWidth;

    private const int MaxBoxWidth = 1024;

    /// <summary>
    /// The 3×3 "same" average as a separable box sum. Every window lies inside the padded input, so count_include_pad
    /// divides by 9; otherwise by (rows inside)·(columns inside), which factors into a row and a column scale. The
    /// backward is the same box sum of dy·scale (each input lies in the windows of its 3×3 neighbourhood):
    /// forward  y[h, w] = scale(h, w) · Σ_{|i|,|j|≤1} x[h+i, w+j];  backward dx[h, w] (+)= Σ_{|i|,|j|≤1} (scale·dy)[h+i, w+j].
    /// </summary>
    private static unsafe void AvgPool3x3Same(Span<float> output, ReadOnlySpan<float> input, int planes, int height, int width,
        bool countIncludePad, bool accumulate, bool backward)
    {
        int plane = height * width;
        float* columnScale = stackalloc float[width];
        float* vertical = stackalloc float[width];
        float* horizontal = stackalloc float[width];
        for (int w = 0; w < width; w++)
            columnScale[w] = countIncludePad ? 1f / 9f : 1f / ((w > 0 ? 1 : 0) + 1 + (w < width - 1 ? 1 : 0));
        var columnScales = new ReadOnlySpan<float>(columnScale, width);
        var verticalRow = new Span<float>(vertical, width);
        var horizontalRow = new Span<float>(horizontal, width);
        fixed (float* po = output, pi = input)
        {
            for (int p = 0; p < planes; p++)
            {
                float* source = pi + (long)p * plane, destination = po + (long)p * plane;
                for (int h = 0; h < height; h++)
                {
                    // Vertical sum of up to three rows; the backward weighs each dy row by its own row scale.
                    var middle = new ReadOnlySpan<float>(source + h * width, width);
                    if (backward) TensorPrimitives.Multiply(middle, RowScale(h, height, countIncludePad), verticalRow);
                    else middle.CopyTo(verticalRow);
                    if (h > 0)
                    {
                        var above = new ReadOnlySpan<float>(source + (h - 1) * width, width);
                        if (backward) TensorPrimitives.MultiplyAdd(above, RowScale(h - 1, height, countIncludePad), verticalRow, verticalRow);
                        else TensorPrimitives.Add(verticalRow, above, verticalRow);
                    }
                    if (h < height - 1)
                    {
                        var below = new ReadOnlySpan<float>(source + (h + 1) * width, width);
                        if (backward) TensorPrimitives.MultiplyAdd(below, RowScale(h + 1, height, countIncludePad), verticalRow, verticalRow);
                        else TensorPrimitives.Add(verticalRow, below, verticalRow);
                    }
                    // Horizontal sum of three columns, with the column scale applied before (backward) or after (forward).
                    if (backward) TensorPrimitives.Multiply(verticalRow, columnScales, verticalRow);
                    horizontal[0] = width > 1 ? vertical[0] + vertical[1] : vertical[0];
                    for (int w = 1; w < width - 1; w++) horizontal[w] = vertical[w - 1] + vertical[w] + vertical[w + 1];
                    if (width > 1) horizontal[width - 1] = vertical[width - 2] + vertical[width - 1];
                    var row = new Span<float>(destination + h * width, width);
                    if (!backward)
                    {
                        TensorPrimitives.Multiply(horizontalRow, columnScales, horizontalRow);
                        float rowScale = RowScale(h, height, countIncludePad);
                        if (rowScale != 1f) TensorPrimitives.Multiply(horizontalRow, rowScale, horizontalRow);
                    }
                    if (accumulate) TensorPrimitives.Add(row, horizontalRow, row);
                    else horizontalRow.CopyTo(row);
                }
            }
        }
    }

    /// <summary>1 with count_include_pad (the 1/9 is in the column scale), else 1 / (rows of the window inside the input).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RowScale(int h, int height, bool countIncludePad)
        => countIncludePad ? 1f : 1f / ((h > 0 ? 1 : 0) + 1 + (h < height - 1 ? 1 : 0));

    /// <summary>
    /// x (N,C,plane) -> y (N,C)
    /// y = the mean of each plane (AdaptiveAvgPool2d(1), planeSize = H·W).
    /// </summary>
    public static void GlobalAvgPool_Forward(Span<float> y, ReadOnlySpan<float> x, int batch, int channels, int planeSize)
    {
        int planes = CheckGlobal("GlobalAvgPool", y.Length, x.Length, batch, channels, planeSize);
        for (int p = 0; p < planes; p++) y[p] = TensorPrimitives.Sum(x.Slice(p * planeSize, planeSize)) / planeSize;
    }

    /// <summary>
    /// dy (N,C) -> dx (N,C,plane)
    /// dx (+)= dy / planeSize broadcast over each plane.
    /// </summary>
    public static void GlobalAvgPool_Backward(Span<float> dx, ReadOnlySpan<float> dy, int batch, int channels, int planeSize, bool accumulate)
    {
        int planes = CheckGlobal("GlobalAvgPool backward", dy.Length, dx.Length, batch, channels, planeSize);
        for (int p = 0; p < planes; p++)
        {
            Span<float> plane = dx.Slice(p * planeSize, planeSize);
            float share = dy[p] / planeSize;
            if (accumulate) TensorPrimitives.Add(plane, share, plane);
            else plane.Fill(share);
        }
    }

    /// <summary>The in-bounds window of output (oh, ow) and the reciprocal of its divisor (PyTorch's avg_pool2d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Window(int oh, int ow, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
        bool countIncludePad, out int h0, out int h1, out int w0, out int w1, out float scale)
    {
        h0 = oh * strideH - padH;
        w0 = ow * strideW - padW;
        h1 = Math.Min(h0 + kernelH, height + padH);
        w1 = Math.Min(w0 + kernelW, width + padW);
        int paddedCount = (h1 - h0) * (w1 - w0);
        h0 = Math.Max(h0, 0);
        w0 = Math.Max(w0, 0);
        h1 = Math.Min(h1, height);
        w1 = Math.Min(w1, width);
        scale = 1f / (countIncludePad ? paddedCount : (h1 - h0) * (w1 - w0));
    }

    private static (int OutH, int OutW) CheckPool(string op, int outputLength, int inputLength, int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        int outH = OutputSize(height, kernelH, strideH, padH, "height"), outW = OutputSize(width, kernelW, strideW, padW, "width");
        long inputNeeded = SizeMath.Product(op, "the input", [batch, channels, height, width]);
        long outputNeeded = SizeMath.Product(op, "the output", [batch, channels, outH, outW]);
        if (inputLength < inputNeeded || outputLength < outputNeeded)
            throw new ArgumentException($"{op} k{kernelH}×{kernelW} s{strideH}×{strideW} p{padH}×{padW} on ({batch},{channels},{height},{width}) → " +
                $"({batch},{channels},{outH},{outW}) needs {inputNeeded} input and {outputNeeded} output values, got {inputLength} and {outputLength}.");
        return (outH, outW);
    }

    private static int CheckGlobal(string op, int outputLength, int inputLength, int batch, int channels, int planeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(planeSize);
        int planes = (int)SizeMath.Product(op, "the planes", [batch, channels]);
        if (outputLength < planes || inputLength < SizeMath.Product(op, "the input", [batch, channels, planeSize]))
            throw new ArgumentException($"{op} on ({batch},{channels},{planeSize}) needs {planes} pooled and {(long)planes * planeSize} " +
                $"plane values, got {outputLength} and {inputLength}.");
        return planes;
    }

    private static void CheckLength(string op, string name, int actual, int expected)
    {
        if (actual < expected)
            throw new ArgumentException($"{op}: {name} needs {expected} values, got {actual}.", name);
    }
}
