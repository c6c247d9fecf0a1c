using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Optim;

/// <summary>
/// Five steps of every optimizer on the CPU backend against torch.optim (tests/golden/optimizers.py): the parameter
/// after each step and the state after the last. Needs the real CPU backend's optimizer kernels.
/// </summary>
public class OptimizerGoldenTests
{
    // float32 on both sides; the only differences are operation order and PyTorch's double-precision bias
    // corrections, a few ulps per step.
    private const double Rtol = 1e-5, Atol = 1e-6;

    private static readonly Lazy<IReadOnlyDictionary<string, (int[] Shape, float[] Data)>> Golden =
        new(() => GoldenFile.Load(GoldenFile.PathOf("optimizers.sntensors")));

    // Same names and hyper-parameters as the configs in tests/golden/optimizers.py.
    private static Optimizer Create(string config) => config switch
    {
        "sgd" => new Sgd(lr: 0.1f),
        "sgd_momentum" => new Sgd(lr: 0.1f, momentum: 0.9f, dampening: 0.1f, weightDecay: 0.01f),
        "sgd_nesterov" => new Sgd(lr: 0.1f, momentum: 0.9f, nesterov: true),
        "sgd_maximize" => new Sgd(lr: 0.1f, momentum: 0.5f, maximize: true),
        "adam" => new Adam(lr: 0.01f),
        "adam_amsgrad" => new Adam(lr: 0.01f, weightDecay: 0.1f, amsgrad: true),
        "adam_maximize" => new Adam(lr: 0.01f, maximize: true),
        "adamw" => new AdamW(lr: 0.01f),
        "adagrad" => new Adagrad(lr: 0.1f, lrDecay: 0.05f, initialAccumulatorValue: 0.2f),
        "rmsprop" => new RmsProp(lr: 0.01f),
        "rmsprop_centered" => new RmsProp(lr: 0.01f, momentum: 0.9f, weightDecay: 0.1f, centered: true),
        _ => throw new ArgumentException($"Unknown optimizer config '{config}'.", nameof(config)),
    };

    public static TheoryData<string> Configs =>
    [
        "sgd", "sgd_momentum", "sgd_nesterov", "sgd_maximize", "adam", "adam_amsgrad", "adam_maximize", "adamw",
        "adagrad", "rmsprop", "rmsprop_centered",
    ];

    [Theory]
    [MemberData(nameof(Configs))]
    public void Five_steps_match_torch_optim(string config)
    {
        var golden = Golden.Value;
        var (shape, initial) = golden["initial"];
        var (gradShape, grads) = golden["grads"];
        int n = initial.Length;
        Assert.Equal(5, gradShape[0]);

        var parameter = new Parameter("w", new Tensor((float[])initial.Clone(), shape));
        using Optimizer optimizer = Create(config);
        optimizer.Bind([parameter]);

        for (int step = 1; step <= 5; step++)
        {
            grads.AsSpan((step - 1) * n, n).CopyTo(parameter.Grad.Data);
            optimizer.Step();
            var (expectedShape, expected) = golden[$"{config}.step{step}"];
            Numerics.AssertClose(expected, parameter.Value.Data, Rtol, Atol, $"{config}: parameter after step {step}", expectedShape);
        }

        // The state names are PyTorch's state-dict keys, so a checkpoint can be mapped to torch and back.
        string prefix = config + ".state.";
        var expectedKeys = golden.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => "w." + k[prefix.Length..]).ToArray();
        Assert.Equal(expectedKeys, optimizer.State.Keys.ToArray());
        foreach (var (name, buffer) in optimizer.State)
        {
            var (stateShape, expectedState) = golden[prefix + name["w.".Length..]];
            var actual = new float[expectedState.Length];
            optimizer.Backend!.Download(buffer, actual);
            Numerics.AssertClose(expectedState, actual, Rtol, Atol, $"{config}: state {name} after step 5", stateShape);
        }
    }

    [Fact]
    public void Bound_device_buffers_follow_the_same_trajectory_as_eager_host_parameters()
    {
        // The compiled-plan path: separate backend buffers, uploaded once and read back at the end.
        var golden = Golden.Value;
        var (shape, initial) = golden["initial"];
        var (_, grads) = golden["grads"];
        int n = initial.Length;
        var backend = ShapeNet.Backends.Cpu.CpuBackend.Instance;
        var parameter = new Parameter("fc1.weight", new Tensor((float[])initial.Clone(), shape));
        var value = backend.Allocate(n);
        var grad = backend.Allocate(n);
        backend.Upload(initial, value);

        using var adam = new Adam(lr: 0.01f, weightDecay: 0.1f, amsgrad: true);
        adam.Bind(backend, [(parameter, value, grad)]);
        Assert.Equal(["fc1.weight.exp_avg", "fc1.weight.exp_avg_sq", "fc1.weight.max_exp_avg_sq"], adam.State.Keys.ToArray());
        for (int step = 1; step <= 5; step++)
        {
            backend.Upload(grads.AsSpan((step - 1) * n, n), grad);
            adam.Step();
        }
        var actual = new float[n];
        backend.Download(value, actual);
        var (expectedShape, expected) = golden["adam_amsgrad.step5"];
        Numerics.AssertClose(expected, actual, Rtol, Atol, "adam_amsgrad on bound buffers: parameter after step 5", expectedShape);
    }
}
