using ShapeNet;
using static ShapeNet.Ops;

namespace ShapeNet.Networks.Tests.Networks;

[Dim(64)] public partial struct Points;

/// <summary>The activations as <c>[Differentiable]</c> functions, one per configuration of tests/golden/activations.py
/// (defaults and non-default constants, named and positional).</summary>
public static partial class ActivationFunctions
{
    [Differentiable] public static Tensor LeakyReluDefault(Tensor<Points> x) => LeakyRelu(x);
    [Differentiable] public static Tensor LeakyReluSlope(Tensor<Points> x) => LeakyRelu(x, 0.2);
    [Differentiable] public static Tensor EluDefault(Tensor<Points> x) => Elu(x);
    [Differentiable] public static Tensor EluAlpha(Tensor<Points> x) => Elu(x, alpha: 1.5);
    [Differentiable] public static Tensor GeluErf(Tensor<Points> x) => Gelu(x);
    [Differentiable] public static Tensor GeluTanh(Tensor<Points> x) => Gelu(x, approximate: "tanh");
    [Differentiable] public static Tensor SiluDefault(Tensor<Points> x) => Silu(x);
    [Differentiable] public static Tensor SoftplusDefault(Tensor<Points> x) => Softplus(x);
    [Differentiable] public static Tensor SoftplusBeta(Tensor<Points> x) => Softplus(x, beta: 2, threshold: 5);
    [Differentiable] public static Tensor HardtanhDefault(Tensor<Points> x) => Hardtanh(x);
    [Differentiable] public static Tensor HardtanhBounds(Tensor<Points> x) => Hardtanh(x, -0.5, maxVal: 2);
}

/// <summary>Every activation in one network's <c>[Forward]</c>, several on one value (so their gradients add up) and in
/// a chain (so each backward feeds the next).</summary>
[Network]
public partial class ActivationNet
{
    [Linear(8, 16)] partial Linear Fc1 { get; }
    [Linear(16, 16)] partial Linear Fc2 { get; }
    [Linear(16, 16)] partial Linear Fc3 { get; }
    [Linear(16, 5)] partial Linear Head { get; }

    [Forward]
    public Tensor<Batch, Classes> Forward(Tensor<Batch, Measurements> x)
    {
        var h = Fc1(x);
        var a = LeakyRelu(h, negativeSlope: 0.2) + Elu(h, 1.5) + Gelu(h);
        var b = Gelu(Fc2(a), approximate: "tanh") + Silu(a) * 0.5f;
        var c = Softplus(Fc3(b), beta: 2, threshold: 5) + Hardtanh(b, minVal: -0.5, maxVal: 2) + Softplus(b) + Hardtanh(h);
        return Head(Elu(c) + LeakyRelu(c));
    }
}
