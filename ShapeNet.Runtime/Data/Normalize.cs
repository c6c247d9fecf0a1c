namespace ShapeNet.Data;

/// <summary>
/// PyTorch's <c>transforms.Normalize(mean, std)</c> for one channel: every value becomes <c>(x - Mean) / Std</c>.
/// </summary>
public readonly record struct Normalize(float Mean, float Std)
{
    /// <summary>Normalizes <paramref name="values"/> in place.</summary>
    public void Apply(Span<float> values)
    {
        // Subtract, then divide (not multiply by 1/Std) so the values match PyTorch's bit for bit.
        for (int i = 0; i < values.Length; i++) values[i] = (values[i] - Mean) / Std;
    }
}
