namespace ShapeNet;

/// <summary>A learnable tensor of a network: its PyTorch-style name, its value and its gradient.</summary>
public sealed class Parameter
{
    /// <summary>A parameter named <paramref name="name"/> (its state-dict key) holding <paramref name="value"/>, with a zero gradient
    /// of the same shape.</summary>
    public Parameter(string name, Tensor value)
    {
        Name = name;
        Value = value;
        Grad = new Tensor(new float[value.Numel], value.Shape);
    }

    /// <summary>PyTorch-style name: module path + <c>weight</c>/<c>bias</c> (<c>fc1.weight</c>).</summary>
    public string Name { get; }

    /// <summary>The values, host memory, PyTorch layout (<c>Linear.weight</c> is [out, in]).</summary>
    public Tensor Value { get; }

    /// <summary>The gradient written by the last backward pass (host copy; see <see cref="NetworkPlan"/>).</summary>
    public Tensor Grad { get; }

    /// <summary>The value's shape.</summary>
    public int[] Shape => Value.Shape;

    /// <summary>The name and shape: <c>fc1.weight [512, 784]</c>.</summary>
    public override string ToString() => $"{Name} {Tensor.ShapeText(Value.ShapeSpan)}";
}
