using ShapeNet.Generator.Tests.Infrastructure;

namespace ShapeNet.Generator.Tests.Emit;

/// <summary>The plan's typed overloads add parameters and locals of their own (target, output, batch); an input of
/// the network with the same name must not clash with them (it did: CS0100 for a forward that computes its loss).</summary>
public class InputNameTests
{
    [Fact]
    public void Inputs_named_target_output_and_batch_compile()
    {
        const string source = """
            using ShapeNet;

            namespace Demo;

            [Dim(6)] public partial struct Inputs;
            [Dim(3)] public partial struct Targets;

            [Network]
            public partial class Regression
            {
                [Linear(6, 3)] partial Linear Fc { get; }

                [Forward]
                public Tensor Forward(Tensor<Batch, Inputs> batch, Tensor<Batch, Targets> target, Tensor<Batch, Targets> output) =>
                    MseLoss(Fc(batch), target) + MseLoss(Fc(batch), output);
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationErrors);
        string plan = result.Source("Demo.Regression");
        Assert.Contains("public void TrainStep(global::ShapeNet.Tensor<global::ShapeNet.Batch, global::Demo.Inputs> batch, " +
            "global::ShapeNet.Tensor<global::ShapeNet.Batch, global::Demo.Targets> target, " +
            "global::ShapeNet.Tensor<global::ShapeNet.Batch, global::Demo.Targets> output, global::ShapeNet.Tensor target_)", plan);
        Assert.Contains("int batch_ = batch.Value.Size(0);", plan);
    }

    [Fact]
    public void Differentiable_function_parameters_named_value_batch_and_backend_compile()
    {
        const string source = """
            using ShapeNet;
            using static ShapeNet.Ops;

            namespace Demo;

            [Dim(4)] public partial struct Four;

            public static partial class Functions
            {
                [Differentiable]
                public static Tensor Weighted(Tensor<Batch, Four> value, Tensor<Batch, Four> batch, Tensor<Batch, Four> backend) =>
                    Sum(value * batch + backend);
            }
            """;
        GeneratorResult result = GeneratorHarness.Run(source);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationErrors);
        string grad = result.Source("Demo.Functions.Weighted.Grad");
        Assert.Contains("global::ShapeNet.Backends.IBackend backend_ = global::ShapeNet.Backends.Cpu.CpuBackend.Instance;", grad);
        Assert.Contains("int batch_ = value.Value.Size(0);", grad);
        Assert.Contains("var value_ = new float[1];", grad);
    }
}
