using ILGPU;
using ILGPU.Runtime;

namespace ShapeNet.Backends.Gpu;

/// <summary>The fully connected layer as GEMMs (mirror of <c>Cpu/Linear.cs</c>): bias and activation fused into the forward
/// GEMM's epilogue; the bias gradient is a column sum.</summary>
public sealed class GpuLinear
{
    private readonly GpuKernels _k;

    internal GpuLinear(GpuKernels k) => _k = k;

    /// <summary>x (rows,in), weight (out,in), bias (out or empty) -> y (rows,out) = act(x·Wᵀ + b).</summary>
    public void Linear_Forward(ArrayView<float> y, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias,
        int rows, int inFeatures, int outFeatures, UnaryOp activation)
        => _k.Blas.Gemm(false, true, rows, outFeatures, inFeatures, 1f, x, inFeatures, weight, inFeatures, 0f, y, outFeatures, 1, 0, 0, 0,
            bias, bias.Length > 0 ? GpuGemm.BiasMode.PerColumn : GpuGemm.BiasMode.None, 0, activation);

    /// <summary>dy (rows,out), x, weight -> dx (+)= dy·W (skipped when dx is empty); dW (+)= dyᵀ·x; db (+)= Σ_rows dy (skipped
    /// when empty). dy is the gradient of the pre-activation output.</summary>
    public void Linear_Backward(ArrayView<float> dx, ArrayView<float> dWeight, ArrayView<float> dBias, ArrayView<float> dy,
        ArrayView<float> x, ArrayView<float> weight, int rows, int inFeatures, int outFeatures, bool accumulateDx, bool accumulateParameters)
    {
        if (dx.Length > 0)
            _k.Blas.Gemm(false, false, rows, inFeatures, outFeatures, 1f, dy, outFeatures, weight, inFeatures, accumulateDx ? 1f : 0f, dx, inFeatures,
                1, 0, 0, 0, default, GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
        _k.Blas.Gemm(true, false, outFeatures, inFeatures, rows, 1f, dy, outFeatures, x, inFeatures, accumulateParameters ? 1f : 0f, dWeight, inFeatures,
            1, 0, 0, 0, default, GpuGemm.BiasMode.None, 0, UnaryOp.Identity);
        if (dBias.Length > 0)
            _k.Reduction.Reduce(ReduceOp.Sum, dBias, dy, [rows, outFeatures], [true, false], accumulateParameters);
    }
}
