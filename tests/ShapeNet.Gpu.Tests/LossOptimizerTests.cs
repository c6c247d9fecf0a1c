using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>Gpu/Loss.cs and Gpu/Optimizers.cs against the CPU backend. Losses: 1e-5 relative + 1e-6 absolute. Optimizers:
/// the same float operations in the same order with the same host constants, so bit-exact over three steps.</summary>
[Collection(GpuCollection.Name)]
public sealed class LossOptimizerTests(GpuFixture gpu)
{
    public static TheoryData<LossKind, Reduction> LossCases()
    {
        var data = new TheoryData<LossKind, Reduction>();
        foreach (LossKind kind in Enum.GetValues<LossKind>())
            foreach (Reduction reduction in Enum.GetValues<Reduction>()) data.Add(kind, reduction);
        return data;
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void Loss_forward_and_backward_match_the_cpu(LossKind kind, Reduction reduction)
    {
        const int rows = 37, cols = 5;
        bool classes = kind is LossKind.CrossEntropy or LossKind.Nll;
        float[] input = kind == LossKind.Bce ? Parity.Random(rows * cols, 71, 0.02f, 0.98f) : Parity.Random(rows * cols, 71, -3f, 3f);
        float[] target = classes
            ? Enumerable.Range(0, rows).Select(r => (float)(r * 7 % cols)).ToArray()
            : kind == LossKind.Mse ? Parity.Random(rows * cols, 72) : Parity.Random(rows * cols, 72, 0f, 1f);
        float expected = CpuLoss.Loss_Forward(kind, reduction, input, target, rows, cols);
        using var inputDevice = gpu.Upload(input);
        using var targetDevice = gpu.Upload(target);
        using var lossDevice = gpu.Upload(new float[1]);
        gpu.Kernels.Loss.Loss_Forward(kind, reduction, lossDevice.View, inputDevice.View, targetDevice.View, rows, cols);
        Parity.Close([expected], gpu.Download(lossDevice, 1), $"{kind} loss ({reduction}) forward [{rows}, {cols}]");

        float[] old = Parity.Random(rows * cols, 73);
        using var dLoss = gpu.Upload([0.75f]);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dInput = (float[])old.Clone();
            CpuLoss.Loss_Backward(kind, reduction, dInput, 0.75f, input, target, rows, cols, accumulate);
            using var dInputDevice = gpu.Upload(old);
            gpu.Kernels.Loss.Loss_Backward(kind, reduction, dInputDevice.View, dLoss.View, inputDevice.View, targetDevice.View, rows, cols, accumulate);
            Parity.Close(dInput, gpu.Download(dInputDevice, rows * cols), $"{kind} loss ({reduction}) backward [{rows}, {cols}] accumulate={accumulate}");
        }
    }

    [Fact]
    public void A_class_index_out_of_range_gives_a_NaN_loss()
    {
        using var input = gpu.Upload(new float[6]);
        using var target = gpu.Upload([1f, 3f]);
        using var loss = gpu.Upload(new float[1]);
        gpu.Kernels.Loss.Loss_Forward(LossKind.CrossEntropy, Reduction.Mean, loss.View, input.View, target.View, 2, 3);
        Assert.True(float.IsNaN(gpu.Download(loss, 1)[0]), "class 3 of 3 must poison the loss");
    }

    private const int N = 53;

    private static (float[] Parameter, float[][] Gradients) Start()
        => (Parity.Random(N, 81), [Parity.Random(N, 82), Parity.Random(N, 83), Parity.Random(N, 84)]);

    [Theory]
    [InlineData(0f, 0f, 0f, false, false)]
    [InlineData(0.9f, 0f, 0f, false, false)]
    [InlineData(0.9f, 0.1f, 0.01f, false, true)]
    [InlineData(0.5f, 0f, 0.001f, true, false)]
    public void Sgd_matches_the_cpu_bit_for_bit(float momentum, float dampening, float weightDecay, bool nesterov, bool maximize)
    {
        (float[] parameter, float[][] gradients) = Start();
        float[] buffer = new float[N];
        using var p = gpu.Upload(parameter);
        using var b = gpu.Upload(buffer);
        for (int step = 0; step < 3; step++)
        {
            CpuOptimizers.Sgd_Step(parameter, gradients[step], buffer, 0.05f, momentum, dampening, weightDecay, nesterov, maximize, step == 0);
            using var g = gpu.Upload(gradients[step]);
            gpu.Kernels.Optimizers.Sgd_Step(p.View, g.View, b.View, N, 0.05f, momentum, dampening, weightDecay, nesterov, maximize, step == 0);
        }
        string what = $"SGD momentum {momentum} dampening {dampening} wd {weightDecay} nesterov {nesterov} maximize {maximize}";
        Parity.Exact(parameter, gpu.Download(p, N), what + " parameter");
        Parity.Exact(buffer, gpu.Download(b, N), what + " momentum buffer");
    }

    [Theory]
    [InlineData(0f, false, false, false)]
    [InlineData(0.01f, false, false, false)]
    [InlineData(0.01f, true, false, false)]
    [InlineData(0f, false, true, false)]
    [InlineData(0.01f, true, true, true)]
    public void Adam_matches_the_cpu_bit_for_bit(float weightDecay, bool decoupled, bool amsgrad, bool maximize)
    {
        (float[] parameter, float[][] gradients) = Start();
        float[] m = new float[N], v = new float[N], vmax = amsgrad ? new float[N] : [];
        using var p = gpu.Upload(parameter);
        using var mDevice = gpu.Upload(m);
        using var vDevice = gpu.Upload(v);
        using var vmaxDevice = gpu.Upload(new float[N]);
        for (int step = 1; step <= 3; step++)
        {
            CpuOptimizers.Adam_Step(parameter, gradients[step - 1], m, v, vmax, 0.01f, 0.9f, 0.999f, 1e-8f, weightDecay, decoupled, maximize, step);
            using var g = gpu.Upload(gradients[step - 1]);
            gpu.Kernels.Optimizers.Adam_Step(p.View, g.View, mDevice.View, vDevice.View, amsgrad ? vmaxDevice.View : default, N,
                0.01f, 0.9f, 0.999f, 1e-8f, weightDecay, decoupled, maximize, step);
        }
        string what = $"Adam wd {weightDecay} decoupled {decoupled} amsgrad {amsgrad} maximize {maximize}";
        Parity.Exact(parameter, gpu.Download(p, N), what + " parameter");
        Parity.Exact(m, gpu.Download(mDevice, N), what + " exp_avg");
        Parity.Exact(v, gpu.Download(vDevice, N), what + " exp_avg_sq");
        if (amsgrad) Parity.Exact(vmax, gpu.Download(vmaxDevice, N), what + " max_exp_avg_sq");
    }

    [Theory]
    [InlineData(0f, 0f, false)]
    [InlineData(0.01f, 0.001f, true)]
    public void Adagrad_matches_the_cpu_bit_for_bit(float lrDecay, float weightDecay, bool maximize)
    {
        (float[] parameter, float[][] gradients) = Start();
        float[] sum = new float[N];
        using var p = gpu.Upload(parameter);
        using var s = gpu.Upload(sum);
        for (int step = 1; step <= 3; step++)
        {
            CpuOptimizers.Adagrad_Step(parameter, gradients[step - 1], sum, 0.1f, lrDecay, weightDecay, 1e-10f, maximize, step);
            using var g = gpu.Upload(gradients[step - 1]);
            gpu.Kernels.Optimizers.Adagrad_Step(p.View, g.View, s.View, N, 0.1f, lrDecay, weightDecay, 1e-10f, maximize, step);
        }
        Parity.Exact(parameter, gpu.Download(p, N), $"Adagrad lr_decay {lrDecay} wd {weightDecay} parameter");
        Parity.Exact(sum, gpu.Download(s, N), $"Adagrad lr_decay {lrDecay} wd {weightDecay} state sum");
    }

    [Theory]
    [InlineData(0f, 0f, false, false)]
    [InlineData(0.9f, 0f, false, false)]
    [InlineData(0f, 0.01f, true, false)]
    [InlineData(0.5f, 0.01f, true, true)]
    public void RmsProp_matches_the_cpu_bit_for_bit(float momentum, float weightDecay, bool centered, bool maximize)
    {
        (float[] parameter, float[][] gradients) = Start();
        float[] square = new float[N], gradAvg = centered ? new float[N] : [], buffer = momentum > 0 ? new float[N] : [];
        using var p = gpu.Upload(parameter);
        using var sq = gpu.Upload(new float[N]);
        using var ga = gpu.Upload(new float[N]);
        using var mb = gpu.Upload(new float[N]);
        for (int step = 0; step < 3; step++)
        {
            CpuOptimizers.RmsProp_Step(parameter, gradients[step], square, gradAvg, buffer, 0.01f, 0.99f, 1e-8f, weightDecay, momentum, centered, maximize);
            using var g = gpu.Upload(gradients[step]);
            gpu.Kernels.Optimizers.RmsProp_Step(p.View, g.View, sq.View, centered ? ga.View : default, momentum > 0 ? mb.View : default, N,
                0.01f, 0.99f, 1e-8f, weightDecay, momentum, centered, maximize);
        }
        string what = $"RMSprop momentum {momentum} wd {weightDecay} centered {centered} maximize {maximize}";
        Parity.Exact(parameter, gpu.Download(p, N), what + " parameter");
        Parity.Exact(square, gpu.Download(sq, N), what + " square_avg");
        if (centered) Parity.Exact(gradAvg, gpu.Download(ga, N), what + " grad_avg");
        if (momentum > 0) Parity.Exact(buffer, gpu.Download(mb, N), what + " momentum buffer");
    }
}
