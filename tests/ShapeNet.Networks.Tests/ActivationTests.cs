using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// LeakyRelu, Elu, Gelu (erf and tanh), Silu, Softplus and Hardtanh against PyTorch (tests/golden/activations.py: 64 points
/// including the kinks, Hardtanh's bounds and Softplus's thresholds, where PyTorch's choice of branch is matched), through
/// the three paths: the generated <c>[Differentiable]</c> gradient, the eager op, and a network's plan. Golden tolerance:
/// 1e-5 relative + 1e-6 absolute on values and derivatives (float32 kernels with different erf/exp/tanh approximations
/// than PyTorch's). The network's gradient is checked against float64 finite differences (<see cref="GradientCheck"/>).
/// </summary>
public class ActivationTests(ITestOutputHelper output)
{
    private const double Rtol = 1e-5, Atol = 1e-6;

    private static readonly IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Golden = GoldenFile.Load(GoldenFile.PathOf("activations.sntensors"));

    private static Tensor<Points> X => Tensor<Points>.FromArray(Golden["x"].Data);

    public static TheoryData<string> Configs => new()
    {
        "leaky_relu", "leaky_relu_0.2", "elu", "elu_1.5", "gelu", "gelu_tanh", "silu", "softplus", "softplus_2_5", "hardtanh", "hardtanh_-0.5_2",
    };

    private static (Tensor Value, Tensor DX) Differentiable(string config) => config switch
    {
        "leaky_relu" => ActivationFunctions.LeakyReluDefaultGrad(X),
        "leaky_relu_0.2" => ActivationFunctions.LeakyReluSlopeGrad(X),
        "elu" => ActivationFunctions.EluDefaultGrad(X),
        "elu_1.5" => ActivationFunctions.EluAlphaGrad(X),
        "gelu" => ActivationFunctions.GeluErfGrad(X),
        "gelu_tanh" => ActivationFunctions.GeluTanhGrad(X),
        "silu" => ActivationFunctions.SiluDefaultGrad(X),
        "softplus" => ActivationFunctions.SoftplusDefaultGrad(X),
        "softplus_2_5" => ActivationFunctions.SoftplusBetaGrad(X),
        "hardtanh" => ActivationFunctions.HardtanhDefaultGrad(X),
        "hardtanh_-0.5_2" => ActivationFunctions.HardtanhBoundsGrad(X),
        _ => throw new ArgumentException(config),
    };

    private static Tensor Eager(string config, Tensor x) => config switch
    {
        "leaky_relu" => Ops.LeakyRelu(x),
        "leaky_relu_0.2" => Ops.LeakyRelu(x, 0.2),
        "elu" => Ops.Elu(x),
        "elu_1.5" => Ops.Elu(x, 1.5),
        "gelu" => Ops.Gelu(x),
        "gelu_tanh" => Ops.Gelu(x, "tanh"),
        "silu" => Ops.Silu(x),
        "softplus" => Ops.Softplus(x),
        "softplus_2_5" => Ops.Softplus(x, 2, 5),
        "hardtanh" => Ops.Hardtanh(x),
        "hardtanh_-0.5_2" => Ops.Hardtanh(x, -0.5, 2),
        _ => throw new ArgumentException(config),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Generated_value_and_gradient_match_PyTorch(string config)
    {
        (Tensor value, Tensor dx) = Differentiable(config);
        Numerics.AssertClose(Golden[config + ".y"].Data, value.Data, Rtol, Atol, $"{config} value", 64);
        Numerics.AssertClose(Golden[config + ".grad"].Data, dx.Data, Rtol, Atol, $"{config} gradient", 64);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Eager_op_matches_PyTorch(string config)
    {
        Tensor y = Eager(config, new Tensor(Golden["x"].Data, 64));
        Numerics.AssertClose(Golden[config + ".y"].Data, y.Data, Rtol, Atol, $"eager {config}", 64);
    }

    [Fact]
    public void Eager_ops_reject_invalid_constants_naming_them()
    {
        var x = new Tensor([1f, 2f], 2);
        Assert.Contains("\"sigmoid\"", Assert.Throws<ArgumentException>(() => Ops.Gelu(x, "sigmoid")).Message);
        Assert.Contains("beta", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Softplus(x, beta: 0)).Message);
        Assert.Contains("minVal (2) must not be greater than maxVal (1)", Assert.Throws<ArgumentException>(() => Ops.Hardtanh(x, 2, 1)).Message);
    }

    [Fact]
    public void Network_plan_matches_the_eager_forward()
    {
        var model = new ActivationNet(seed: 12);
        using ActivationNet.Plan plan = model.CreatePlan(8);
        foreach (int batch in new[] { 8, 3 })
        {
            var x = Tensor<Batch, Measurements>.FromArray(TestData.Normal(120 + batch, batch * 8), batch);
            Tensor eager = model.Forward(x), compiled = plan.Forward(x);
            Numerics.AssertClose(eager.Data, compiled.Data, 1e-4, 1e-5, $"ActivationNet logits at batch {batch}", eager.Shape);
        }
    }

    [Fact]
    public void Network_gradient_matches_finite_differences()
    {
        const int batch = 6;
        var model = new ActivationNet(seed: 13);
        using ActivationNet.Plan plan = model.CreatePlan(8);
        float[][] inputs = [TestData.Normal(130, batch * 8)];
        var check = new GradientCheck
        {
            Plan = plan,
            Eager = x => model.Forward(new Tensor(x[0], batch, 8)).Data,
            Samples = 8,
        };
        output.WriteLine($"max |difference| {check.Run(inputs, batch, seed: 131):G3}; {check.Kinks} coordinates with a kink even at step / 8");
    }
}
