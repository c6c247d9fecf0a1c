using ShapeNet.Backends.Cpu;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Optim;

/// <summary>Binding, validation, ZeroGrad, learning-rate changes and the allocation-free step.</summary>
public class OptimizerBehaviourTests
{
    private static Parameter NewParameter(string name, params float[] values) => new(name, new Tensor(values, values.Length));

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void Negative_or_NaN_learning_rate_throws_naming_the_value(float lr)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(lr));
        Assert.Contains($"Invalid learning rate: {lr}", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f).LearningRate = lr);
    }

    [Fact]
    public void Hyper_parameters_are_validated_like_pytorch()
    {
        Assert.Contains("momentum value: -0.5", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: -0.5f)).Message);
        Assert.Contains("weight_decay value: -1", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, weightDecay: -1f)).Message);
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(beta2: -0.1f)).ParamName);
        Assert.Equal("eps", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(eps: -1e-8f)).ParamName);
        Assert.Equal("lrDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(lrDecay: -1f)).ParamName);
        Assert.Equal("initialAccumulatorValue", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(initialAccumulatorValue: -1f)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(alpha: -0.5f)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(momentum: -0.5f)).ParamName);
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(0.9f, 0.1f)]
    public void Nesterov_requires_momentum_and_zero_dampening(float momentum, float dampening)
    {
        var e = Assert.Throws<ArgumentException>(() => new Sgd(0.1f, momentum, dampening, nesterov: true));
        Assert.Contains("Nesterov momentum requires a momentum and zero dampening", e.Message);
        Assert.Contains($"momentum = {momentum}", e.Message);
    }

    [Fact]
    public void Defaults_are_pytorchs()
    {
        var adam = new Adam();
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Eps, adam.WeightDecay, adam.AmsGrad));
        Assert.Equal(1e-2f, new AdamW().WeightDecay);
        var adagrad = new Adagrad();
        Assert.Equal((1e-2f, 0f, 0f, 0f, 1e-10f), (adagrad.LearningRate, adagrad.LrDecay, adagrad.WeightDecay, adagrad.InitialAccumulatorValue, adagrad.Eps));
        var rms = new RmsProp();
        Assert.Equal((1e-2f, 0.99f, 1e-8f, 0f, 0f, false), (rms.LearningRate, rms.Alpha, rms.Eps, rms.WeightDecay, rms.Momentum, rms.Centered));
    }

    [Fact]
    public void Step_and_ZeroGrad_before_Bind_throw()
    {
        var sgd = new Sgd(0.1f);
        Assert.Contains("call Bind first", Assert.Throws<InvalidOperationException>(sgd.Step).Message);
        Assert.Contains("call Bind first", Assert.Throws<InvalidOperationException>(sgd.ZeroGrad).Message);
    }

    [Fact]
    public void Binding_the_same_name_twice_throws()
    {
        var a = NewParameter("fc1.weight", 1f);
        var b = NewParameter("fc1.weight", 2f);
        Assert.Contains("'fc1.weight' is bound twice", Assert.Throws<ArgumentException>(() => new Sgd(0.1f).Bind([a, b])).Message);
    }

    [Fact]
    public void ZeroGrad_zeroes_the_host_gradients_of_eagerly_bound_parameters()
    {
        var w = NewParameter("w", 1f, 2f);
        var b = NewParameter("b", 3f);
        w.Grad.Data[0] = 5f; w.Grad.Data[1] = -5f; b.Grad.Data[0] = 7f;
        var sgd = new Sgd(0.1f);
        sgd.Bind([w, b]);
        sgd.ZeroGrad();
        Assert.Equal([0f, 0f], w.Grad.Data);
        Assert.Equal([0f], b.Grad.Data);
        Assert.Equal([1f, 2f], w.Value.Data); // values untouched
    }

    [Fact]
    public void Eager_sgd_updates_host_values_in_place_and_uses_the_current_learning_rate()
    {
        // Lecture 3 by hand: w -= lr·grad. Exact in float32 for these values (tolerance 0).
        var w = NewParameter("w", 1f);
        var sgd = new Sgd(lr: 0.5f);
        sgd.Bind([w]);
        w.Grad.Data[0] = 2f;
        sgd.Step();
        Numerics.AssertClose([0f], w.Value.Data, 0, 0, "w after lr 0.5 step", 1);
        sgd.LearningRate = 0.25f;
        sgd.Step();
        Numerics.AssertClose([-0.5f], w.Value.Data, 0, 0, "w after lr 0.25 step", 1);
        Assert.Equal(2, sgd.StepCount);
        Assert.Empty(sgd.State);
    }

    [Fact]
    public void Rebinding_the_same_parameters_keeps_the_state_and_other_parameters_reset_it()
    {
        var w = NewParameter("w", 1f, 2f);
        var adam = new Adam();
        adam.Bind([w]);
        w.Grad.Data[0] = 1f;
        adam.Step();
        var before = adam.State["w.exp_avg"];
        adam.Bind([w]);
        Assert.Same(before, adam.State["w.exp_avg"]);
        Assert.Equal(1, adam.StepCount);

        adam.Bind([NewParameter("w", 1f, 2f)]);
        Assert.NotSame(before, adam.State["w.exp_avg"]);
        Assert.Equal(0, adam.StepCount);
    }

    [Fact]
    public void Adagrad_state_starts_at_the_initial_accumulator_value()
    {
        var w = NewParameter("fc1.bias", 1f, 2f, 3f);
        var adagrad = new Adagrad(initialAccumulatorValue: 0.25f);
        adagrad.Bind([w]);
        var sum = new float[3];
        CpuBackend.Instance.Download(adagrad.State["fc1.bias.sum"], sum);
        Numerics.AssertClose([0.25f, 0.25f, 0.25f], sum, 0, 0, "fc1.bias.sum before the first step", 3);
    }

    [Fact]
    public void Step_allocates_nothing_after_the_first()
    {
        var parameters = Enumerable.Range(0, 4).Select(i => NewParameter($"p{i}", new float[100])).ToArray();
        foreach (var p in parameters) Array.Fill(p.Grad.Data, 0.5f);
        Optimizer[] optimizers =
        [
            new Sgd(0.1f, momentum: 0.9f, nesterov: true), new Adam(amsgrad: true), new AdamW(),
            new Adagrad(lrDecay: 0.1f), new RmsProp(momentum: 0.9f, centered: true),
        ];
        foreach (var optimizer in optimizers)
        {
            optimizer.Bind(parameters);
            optimizer.Step();
            optimizer.ZeroGrad();
            AllocationWindows.Measure(() =>
            {
                for (int i = 0; i < 10; i++)
                {
                    optimizer.ZeroGrad();
                    optimizer.Step();
                }
            }, workers: false).AssertSteady($"{optimizer.GetType().Name}, 10 steps");
        }
    }
}
