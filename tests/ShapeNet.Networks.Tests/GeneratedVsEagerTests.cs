using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// The generated plan's forward equals the eager forward (calling the <c>[Forward]</c> method directly), for a full batch
/// and then a smaller last batch on the same plan. Tolerance: rtol 1e-4, atol 1e-5 (float32 kernels that may sum in
/// another order, and <c>x / c</c> compiled as <c>x · (1/c)</c>).
/// </summary>
public class GeneratedVsEagerTests
{
    private const double Rtol = 1e-4, Atol = 1e-5;
    private const int Capacity = 16, LastBatch = 5;

    private static void AssertSame(Tensor eager, Tensor generated, string what)
    {
        Assert.Equal(eager.Shape, generated.Shape);
        Numerics.AssertClose(eager.Data, generated.Data, Rtol, Atol, what, eager.Shape);
    }

    [Fact]
    public void MnistMlp()
    {
        var model = new MnistMlp(seed: 1);
        using MnistMlp.Plan plan = model.CreatePlan(Capacity);
        foreach (int batch in new[] { Capacity, LastBatch })
        {
            var x = Tensor<Batch, Pixels>.FromArray(TestData.Normal(batch, batch * 784), batch);
            AssertSame(model.Forward(x), plan.Forward(x), $"MnistMlp logits at batch {batch}");
        }
    }

    public static TheoryData<string> Cnns => new() { "BasicCnn", "DeepCnn", "InceptionCnn", "ResNetCnn" };

    /// <summary>The curriculum's CNNs on [N, 1, 28, 28]; InceptionCnn and ResNetCnn use their generic block twice, which the
    /// eager path runs through the block's rank-erased Forward overload and the plan has inlined.</summary>
    [Theory]
    [MemberData(nameof(Cnns))]
    public void Cnn(string name)
    {
        (Func<Tensor<Batch, Gray, Side, Side>, Tensor> eager, NetworkPlan plan, Func<Tensor<Batch, Gray, Side, Side>, Tensor> compiled) = name switch
        {
            "BasicCnn" => Pair(new BasicCnn(seed: 4), m => m.CreatePlan(Capacity), (m, x) => m.Forward(x), (p, x) => p.Forward(x)),
            "DeepCnn" => Pair(new DeepCnn(seed: 5), m => m.CreatePlan(Capacity), (m, x) => m.Forward(x), (p, x) => p.Forward(x)),
            "InceptionCnn" => Pair(new InceptionCnn(seed: 6), m => m.CreatePlan(Capacity), (m, x) => m.Forward(x), (p, x) => p.Forward(x)),
            "ResNetCnn" => Pair(new ResNetCnn(seed: 7), m => m.CreatePlan(Capacity), (m, x) => m.Forward(x), (p, x) => p.Forward(x)),
            _ => throw new ArgumentException(name),
        };
        using (plan)
        {
            foreach (int batch in new[] { Capacity, LastBatch })
            {
                var x = Tensor<Batch, Gray, Side, Side>.FromArray(TestData.Normal(30 + batch + name.Length, batch * 784), batch);
                AssertSame(eager(x), compiled(x), $"{name} logits at batch {batch}");
            }
        }
    }

    private static (Func<Tensor<Batch, Gray, Side, Side>, Tensor>, NetworkPlan, Func<Tensor<Batch, Gray, Side, Side>, Tensor>) Pair<TModel, TPlan>(
        TModel model, Func<TModel, TPlan> createPlan, Func<TModel, Tensor<Batch, Gray, Side, Side>, Tensor<Batch, Digits>> eager,
        Func<TPlan, Tensor<Batch, Gray, Side, Side>, Tensor<Batch, Digits>> compiled) where TPlan : NetworkPlan
    {
        TPlan plan = createPlan(model);
        return (x => eager(model, x), plan, x => compiled(plan, x));
    }

    /// <summary>A block generic in its height and width is typed where it is called with typed dims, and checked at run time
    /// where it is called with a rank-erased tensor: the wrong channel count is a shape error naming both shapes.</summary>
    [Fact]
    public void Generic_block_called_eagerly_checks_its_input()
    {
        var block = new ResidualBlock<ResChannels1>(seed: 1);
        Tensor y = block.Forward(Tensor.Ones(2, 16, 5, 7));
        Assert.Equal([2, 16, 5, 7], y.Shape);
        var e = Assert.Throws<ShapeMismatchException>(() => block.Forward(Tensor.Ones(2, 8, 5, 7)));
        Assert.Contains("ResChannels1=16", e.Message);
        Assert.Contains("[2, 8, 5, 7]", e.Message);
    }

    [Fact]
    public void AllOpsNet()
    {
        var model = new AllOpsNet(seed: 2);
        using AllOpsNet.Plan plan = model.CreatePlan(Capacity);
        foreach (int batch in new[] { Capacity, LastBatch, 1 })
        {
            var x = Tensor<Batch, Measurements>.FromArray(TestData.Normal(10 + batch, batch * 8), batch);
            AssertSame(model.Forward(x), plan.Forward(x), $"AllOpsNet log-probabilities at batch {batch}");
        }
    }

    [Fact]
    public void BlockNet()
    {
        var model = new BlockNet(seed: 3);
        using BlockNet.Plan plan = model.CreatePlan(Capacity);
        foreach (int batch in new[] { Capacity, LastBatch })
        {
            var x = Tensor<Batch, Sensors>.FromArray(TestData.Normal(20 + batch, batch * 12), batch);
            AssertSame(model.Forward(x), plan.Forward(x), $"BlockNet scores at batch {batch}");
        }
    }

    [Fact]
    public void RegressionLoss()
    {
        var model = new RegressionLoss(seed: 4);
        using RegressionLoss.Plan plan = model.CreatePlan(Capacity);
        foreach (int batch in new[] { Capacity, LastBatch })
        {
            var x = Tensor<Batch, Inputs>.FromArray(TestData.Normal(30 + batch, batch * 6), batch);
            var target = Tensor<Batch, Targets>.FromArray(TestData.Normal(40 + batch, batch * 3), batch);
            Tensor eager = model.Forward(x, target);
            Assert.Equal(0, eager.Rank);
            AssertSame(eager, plan.Forward(x, target), $"RegressionLoss MSE at batch {batch}");
        }
    }

    [Fact]
    public void Generated_forward_into_a_span_allocates_the_same_values()
    {
        var model = new AllOpsNet(seed: 5);
        using AllOpsNet.Plan plan = model.CreatePlan(Capacity);
        var x = Tensor<Batch, Measurements>.FromArray(TestData.Normal(50, LastBatch * 8), LastBatch);
        var output = new float[LastBatch * 5];
        plan.Forward(x, output);
        Numerics.AssertClose(model.Forward(x).Data, output, Rtol, Atol, "AllOpsNet into a span", LastBatch, 5);
    }
}
