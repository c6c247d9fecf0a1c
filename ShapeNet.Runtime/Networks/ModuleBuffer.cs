namespace ShapeNet;

/// <summary>
/// A tensor of a network's state that is not learned (PyTorch's buffers, <c>named_buffers()</c>): the running statistics
/// of a BatchNorm layer. It is saved and loaded with the parameters, under its PyTorch state-dict name
/// (<c>bn1.running_mean</c>), but it has no gradient and optimizers never see it.
/// </summary>
public sealed class ModuleBuffer
{
    /// <summary>A buffer named <paramref name="name"/> (its state-dict key) holding <paramref name="value"/>.</summary>
    public ModuleBuffer(string name, Tensor value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        Name = name;
        Value = value;
    }

    /// <summary>PyTorch-style name: module path + buffer name (<c>bn1.running_var</c>).</summary>
    public string Name { get; }

    /// <summary>The values, host memory. A plan on the CPU backend shares this array (zero copy).</summary>
    public Tensor Value { get; }

    /// <summary>The value's shape.</summary>
    public int[] Shape => Value.Shape;

    /// <summary>The name and shape: <c>bn1.running_mean [20]</c>.</summary>
    public override string ToString() => $"{Name} {Tensor.ShapeText(Value.ShapeSpan)}";
}
