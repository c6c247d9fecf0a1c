using System.Runtime.CompilerServices;

namespace ShapeNet.Backends.Gpu;

/// <summary>
/// Functions whose ILGPU mapping to PTX is not good enough, written with the primitives every backend has (exp).
/// ILGPU.Algorithms computes tanh as (e^{2x} − 1)/(e^{2x} + 1), which is NaN for x above ~44 (∞·0), and ILGPU's core
/// maps it to tanh.approx (sm_75+, about 11 bits). These forms never overflow: e^{−2|x|} and e^{−|x|} lie in (0, 1].
/// The same code runs on ILGPU's CPU accelerator, so the tests exercise the formula the GPU runs.
/// </summary>
internal static class DeviceMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float t = MathF.Exp(-2f * MathF.Abs(x));
        float magnitude = (1f - t) / (1f + t);
        return x < 0f ? -magnitude : x > 0f ? magnitude : x;
    }

    /// <summary>1/(1 + e^{−x}), as TensorPrimitives.Sigmoid; e^{−x} overflowing to ∞ gives 0, as it should.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>max(x, 0) with NaN kept, as TensorPrimitives.Max(x, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float x) => x > 0f || float.IsNaN(x) ? x : 0f;
}
