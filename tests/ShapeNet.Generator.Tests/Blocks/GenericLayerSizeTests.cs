using System.Collections;
using System.Reflection;
using ShapeNet.Generator.Tests.Infrastructure;

namespace ShapeNet.Generator.Tests.Blocks;

/// <summary>Layer sizes taken from a block's type parameters (<c>nameof(TIn)</c>): every string overload of Linear and
/// Conv2d, bound per use, with the parameter shapes each use gets, and the generic block's own constructor reading
/// <c>TIn.Size</c>.</summary>
public class GenericLayerSizeTests
{
    private const string Source = """
        using ShapeNet;

        namespace Blocks;

        [Dim(3)] public partial struct Three;
        [Dim(5)] public partial struct Five;
        [Dim(7)] public partial struct Seven;
        [Dim(6)] public partial struct Side;

        /// <summary>In → 8 → Out → In, over the last axis.</summary>
        [Network]
        public partial class Bottleneck<TIn, TOut> where TIn : IDim where TOut : IDim
        {
            [Linear(nameof(TIn), 8)] partial Linear Down { get; }
            [Linear(8, nameof(TOut))] partial Linear Mid { get; }
            [Linear(nameof(TOut), nameof(TIn), Bias = false)] partial Linear Up { get; }

            [Forward]
            public Tensor<Batch, TIn> Forward(Tensor<Batch, TIn> x) => x + Up(Relu(Mid(Relu(Down(x)))));
        }

        /// <summary>Conv2d with the channel count from the type parameter on either side.</summary>
        [Network]
        public partial class Widen<TIn, TOut> where TIn : IDim where TOut : IDim
        {
            [Conv2d(nameof(TIn), 4, 3, Padding = 1)] partial Conv2d First { get; }
            [Conv2d(4, nameof(TOut), Kernel = 1)] partial Conv2d Second { get; }

            [Forward]
            public Tensor<Batch, TOut, Side, Side> Forward(Tensor<Batch, TIn, Side, Side> x) => Second(Relu(First(x)));
        }

        [Network]
        public partial class Net
        {
            [Block] partial Bottleneck<Three, Five> A { get; }
            [Block] partial Bottleneck<Seven, Three> B { get; }
            [Block] partial Widen<Three, Seven> W { get; }
            [Linear(3, 7)] partial Linear Fc { get; }

            [Forward]
            public Tensor<Batch, Seven, Side, Side> Forward(Tensor<Batch, Three> x, Tensor<Batch, Three, Side, Side> image)
            {
                var h = B.Forward(Fc(A.Forward(x)));
                return W.Forward(image) + Reshape(h, -1, 7, 1, 1);
            }
        }
        """;

    [Fact]
    public void Each_use_binds_its_own_sizes_and_the_parameters_have_them()
    {
        GeneratorResult result = GeneratorHarness.Run(Source);
        result.AssertNoErrors();
        Assert.Contains("new global::ShapeNet.LinearLayer(init, prefix + \"down\", TIn.Size, 8, bias: true)", result.Source("Blocks.Bottleneck`2"));
        Assert.Contains("new global::ShapeNet.LinearLayer(init, prefix + \"up\", TOut.Size, TIn.Size, bias: false)", result.Source("Blocks.Bottleneck`2"));
        Assert.Contains("new global::ShapeNet.Conv2dLayer(init, prefix + \"second\", 4, TOut.Size,", result.Source("Blocks.Widen`2"));

        using GeneratedAssembly assembly = result.Emit();
        object net = assembly.CreateInstance("Blocks.Net", 0);
        var shapes = new Dictionary<string, string>();
        foreach (object parameter in (IEnumerable)net.GetType().GetProperty("Parameters")!.GetValue(net)!)
        {
            string name = (string)parameter.GetType().GetProperty("Name")!.GetValue(parameter)!;
            int[] shape = (int[])parameter.GetType().GetProperty("Shape")!.GetValue(parameter)!;
            shapes[name] = string.Join("x", shape);
        }
        Assert.Equal(new Dictionary<string, string>
        {
            ["a.down.weight"] = "8x3", ["a.down.bias"] = "8", ["a.mid.weight"] = "5x8", ["a.mid.bias"] = "5", ["a.up.weight"] = "3x5",
            ["b.down.weight"] = "8x7", ["b.down.bias"] = "8", ["b.mid.weight"] = "3x8", ["b.mid.bias"] = "3", ["b.up.weight"] = "7x3",
            ["w.first.weight"] = "4x3x3x3", ["w.first.bias"] = "4", ["w.second.weight"] = "7x4x1x1", ["w.second.bias"] = "7",
            ["fc.weight"] = "7x3", ["fc.bias"] = "7",
        }, shapes);
        Assert.Contains("Summary", net.GetType().GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name));
    }

    [Fact]
    public void A_size_bound_to_the_batch_is_SN0009_at_the_use()
    {
        string source = Source.Replace("[Block] partial Bottleneck<Three, Five> A { get; }", "[Block] partial Bottleneck<Three, Batch> A { get; }");
        Microsoft.CodeAnalysis.Diagnostic[] all = Diagnostics.DiagnosticTest.Run(source);
        // Wrong for this use only, so reported at the use (the block member A), once per layer that reads TOut.
        DiagnosticAssert.Has(all, "SN0009", 36, 46, "Layer 'Bottleneck.Mid': out-features TOut must be a positive static size, but TOut is Batch");
        DiagnosticAssert.Has(all, "SN0009", 36, 46, "Layer 'Bottleneck.Up': in-features TOut must be a positive static size, but TOut is Batch");
        Assert.Equal(2, all.Length);
    }
}
