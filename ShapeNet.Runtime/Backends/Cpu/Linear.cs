using System.Numerics.Tensors;

namespace ShapeNet.Backends.Cpu;

/// <summary>The fully connected layer as GEMMs: bias and activation are fused into the forward GEMM's output pass.</summary>
public static class CpuLinear
{
    /// <summary>
    /// x (rows,in), weight (out,in), bias (out) -> y (rows,out)
    /// y = act(x·Wᵀ + b); act is Identity, Relu, Sigmoid or Tanh; an empty bias span means no bias.
    /// </summary>
    public static void Linear_Forward(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        int rows, int inFeatures, int outFeatures, UnaryOp activation)
    {
        CpuGemm.GemmWithEpilogue(false, true, rows, outFeatures, inFeatures, 1f, x, inFeatures, weight, inFeatures,
            0f, y, outFeatures, bias, activation);
    }

    /// <summary>
    /// dy (rows,out), x (rows,in), weight (out,in) -> dx (rows,in), dWeight (out,in), dBias (out)
    /// dx (+)= dy·W (skipped when dx is empty); dW (+)= dyᵀ·x; db (+)= Σ_rows dy (skipped when empty).
    /// dy is the gradient of the pre-activation output.
    /// </summary>
    public static void Linear_Backward(Span<float> dx, Span<float> dWeight, Span<float> dBias, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> x, ReadOnlySpan<float> weight, int rows, int inFeatures, int outFeatures,
        bool accumulateDx, bool accumulateParameters)
    {
        if (!dx.IsEmpty)
            CpuGemm.Gemm(false, false, rows, inFeatures, outFeatures, 1f, dy, outFeatures, weight, inFeatures,
                accumulateDx ? 1f : 0f, dx, inFeatures);
        CpuGemm.Gemm(true, false, outFeatures, inFeatures, rows, 1f, dy, outFeatures, x, inFeatures,
            accumulateParameters ? 1f : 0f, dWeight, inFeatures);
        if (dBias.IsEmpty) return;
        if (dBias.Length < outFeatures)
            throw new ArgumentException($"dBias has {dBias.Length} values for {outFeatures} output features.", nameof(dBias));
        Span<float> biasGradient = dBias[..outFeatures];
        if (!accumulateParameters) biasGradient.Clear();
        for (int r = 0; r < rows; r++)
            TensorPrimitives.Add(biasGradient, dy.Slice(r * outFeatures, outFeatures), biasGradient);
    }
}
