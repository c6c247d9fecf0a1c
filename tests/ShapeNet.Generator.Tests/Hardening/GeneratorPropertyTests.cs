using System.Globalization;
using System.Text;
using CsCheck;
using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Tests.Infrastructure;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.Hardening;

/// <summary>
/// Property tests (CsCheck) of the generator. Random well-formed networks — stacks of Linear layers and activations,
/// residual connections, constant loops that share a layer's parameters; and convolutional ones: Conv2d (kernel, stride,
/// padding), max and average pooling, Concat of two branches, residual convolutions — must generate, compile, and give a plan
/// output equal to the eager output; a convolutional network's return is declared with the shape PyTorch's formulas give,
/// so the generator's inferred shape, the eager output's shape and the plan's output length must all agree with it. Random
/// mutations of them (a layer given the wrong input size, a wrong declared return, the input's channel and height axes
/// swapped, a Concat along the wrong axis, a convolution with the wrong in-channels) must give an SN diagnostic, and never
/// SN0900, an exception, or generated code that does not compile. Each case compiles a network, so the
/// iteration counts are small (CI time); CsCheck prints the seed of a failing case, and shrunk counterexamples are added to
/// <see cref="Counterexamples"/>.
/// </summary>
public class GeneratorPropertyTests
{
    private const int Batch = 3;
    private static readonly string[] Activations = ["Relu", "Sigmoid", "Tanh"];

    /// <summary>A network described by integers (so CsCheck can shrink it): the input size, then per step a kind and a size.</summary>
    private sealed record NetworkSpec(int Input, int[] Steps)
    {
        public override string ToString() => $"input {Input}, steps [{string.Join(", ", Steps)}]";
    }

    private static readonly Gen<NetworkSpec> Networks =
        Gen.Select(Gen.Int[1, 6], Gen.Int[0, 59].Array[1, 5], (input, steps) => new NetworkSpec(input, steps));

    /// <summary>The C# source of <paramref name="spec"/>, and the width of its output. <paramref name="mutation"/> ≥ 0 breaks layer
    /// <c>mutation % layers</c>'s input size (or, with no layer, the declared return).</summary>
    private static (string Source, int Output) Source(NetworkSpec spec, int mutation = -1)
    {
        var layers = new List<(string Name, int In, int Out)>();
        var body = new StringBuilder();
        int width = spec.Input;
        body.AppendLine("        Tensor h = x;");
        foreach (int step in spec.Steps)
        {
            int kind = step % 4, size = step / 10 + 1;   // size 1..6
            string activation = Activations[step % 3];
            switch (kind)
            {
                case 0:   // a layer that changes the width
                    layers.Add(($"Fc{layers.Count}", width, size));
                    body.AppendLine($"        h = {layers[^1].Name}(h);");
                    width = size;
                    break;
                case 1:   // an activation
                    body.AppendLine($"        h = {activation}(h);");
                    break;
                case 2:   // a residual connection
                    layers.Add(($"Fc{layers.Count}", width, width));
                    body.AppendLine($"        h = h + {activation}({layers[^1].Name}(h));");
                    break;
                default:  // a constant loop sharing one layer
                    layers.Add(($"Fc{layers.Count}", width, width));
                    body.AppendLine($"        for (int i = 0; i < {size % 3 + 1}; i++) h = {activation}({layers[^1].Name}(h));");
                    break;
            }
        }
        int declaredOutput = width;
        if (mutation >= 0 && layers.Count > 0)
        {
            int broken = mutation % layers.Count;
            layers[broken] = layers[broken] with { In = layers[broken].In % 6 + 1 };   // a different size in 1..6
        }
        else if (mutation >= 0)
        {
            declaredOutput = width % 6 + 1;
        }

        var source = new StringBuilder();
        source.AppendLine("using ShapeNet;");
        source.AppendLine("namespace Prop;");
        for (int n = 1; n <= 6; n++) source.AppendLine($"[Dim({n})] public partial struct D{n};");
        source.AppendLine("[Network]");
        source.AppendLine("public partial class Net");
        source.AppendLine("{");
        foreach (var (name, inSize, outSize) in layers) source.AppendLine($"    [Linear({inSize}, {outSize})] partial Linear {name} {{ get; }}");
        source.AppendLine("    [Forward]");
        source.AppendLine($"    public Tensor<Batch, D{declaredOutput}> Forward(Tensor<Batch, D{spec.Input}> x)");
        source.AppendLine("    {");
        source.Append(body);
        source.AppendLine("        return h;");
        source.AppendLine("    }");
        source.AppendLine("}");
        source.AppendLine($$"""
            public static class Check
            {
                /// <summary>The largest |plan − eager| over a batch of seeded inputs.</summary>
                public static float MaxDifference(int seed)
                {
                    var net = new Net(seed);
                    float[] x = Tensor.Randn([{{Batch}}, {{spec.Input}}], seed: seed).Data;
                    float[] eager = net.Forward(Tensor<Batch, D{{spec.Input}}>.FromArray(x, batch: {{Batch}})).Value.Data;
                    using Net.Plan plan = net.CreatePlan({{Batch}});
                    var compiled = new float[eager.Length];
                    plan.Forward(x, compiled, {{Batch}});
                    float max = 0;
                    for (int i = 0; i < eager.Length; i++) max = System.Math.Max(max, System.Math.Abs(eager[i] - compiled[i]));
                    return max;
                }
            }
            """);
        return (source.ToString(), width);
    }

    /// <summary>Generates, compiles and runs <paramref name="spec"/>: plan and eager outputs agree to 1e-5.</summary>
    private static void WellFormedNetworkMatches(NetworkSpec spec)
    {
        (string source, _) = Source(spec);
        GeneratorResult result = GeneratorHarness.Run(source);
        if (result.GeneratorRun.Exception is not null) throw new XunitException($"{spec}: the generator threw {result.GeneratorRun.Exception}");
        if (result.GeneratorDiagnostics.Length > 0 || !result.CompilationErrors.IsEmpty)
            throw new XunitException($"{spec}: {DiagnosticAssert.FormatAll(result.GeneratorDiagnostics.Concat(result.CompilationErrors).ToArray())}\n{source}");
        using GeneratedAssembly assembly = result.Emit();
        var difference = (float)assembly.GetType("Prop.Check").GetMethod("MaxDifference")!.Invoke(null, [spec.Steps.Sum() + spec.Input])!;
        if (!(difference <= 1e-5f)) throw new XunitException($"{spec}: plan and eager outputs differ by {difference.ToString(CultureInfo.InvariantCulture)} (tolerance 1e-5)\n{source}");
    }

    /// <summary>A mutation of <paramref name="spec"/> gives an SN diagnostic, never SN0900, an exception, or broken generated code.</summary>
    private static void MutationIsDiagnosed(NetworkSpec spec, int mutation)
    {
        (string source, _) = Source(spec, mutation);
        GeneratorResult result = GeneratorHarness.Run(source);
        if (result.GeneratorRun.Exception is not null) throw new XunitException($"{spec} / {mutation}: the generator threw {result.GeneratorRun.Exception}");
        Diagnostic[] sn = result.GeneratorDiagnostics.Where(d => d.Id.StartsWith("SN", StringComparison.Ordinal)).ToArray();
        if (sn.Length == 0) throw new XunitException($"{spec} / {mutation}: no SN diagnostic for a mutated network\n{source}");
        if (sn.Any(d => d.Id is "SN0900" or "SN0901")) throw new XunitException($"{spec} / {mutation}: {DiagnosticAssert.FormatAll(sn)}");
        Diagnostic[] generatedErrors = result.CompilationErrors.Where(d => d.Location.SourceTree?.FilePath.Contains("ShapeNet.Generator", StringComparison.Ordinal) == true).ToArray();
        if (generatedErrors.Length > 0) throw new XunitException($"{spec} / {mutation}: generated code does not compile: {DiagnosticAssert.FormatAll(generatedErrors)}");
    }

    [Fact]
    public void Random_well_formed_networks_generate_compile_and_match_eager() =>
        Networks.Sample(WellFormedNetworkMatches, iter: 20, threads: 1);

    [Fact]
    public void Random_mutations_give_an_SN_diagnostic_and_nothing_worse() =>
        Gen.Select(Networks, Gen.Int[0, 10]).Sample(t => MutationIsDiagnosed(t.Item1, t.Item2), iter: 20, threads: 1);

    // ---- convolutional networks: Conv2d, max/average pooling, Concat of branches, residual convolutions -------------------

    /// <summary>A convolutional network described by integers: channels (1..3), height and width (4..7), then per step a kind and
    /// its sizes. Channels never equal the height, so a swapped channel/height axis always changes a shape.</summary>
    private sealed record ConvSpec(int Channels, int Height, int Width, int[] Steps)
    {
        public override string ToString() => $"channels {Channels}, {Height}×{Width}, steps [{string.Join(", ", Steps)}]";
    }

    private static readonly Gen<ConvSpec> ConvNetworks =
        Gen.Select(Gen.Int[1, 3], Gen.Int[4, 7], Gen.Int[4, 7], Gen.Int[0, 99].Array[1, 4], (c, h, w, steps) => new ConvSpec(c, h, w, steps));

    /// <summary>How a convolutional network is mutated (<c>mutation % 3</c>; a kind the network cannot take falls back to 0).</summary>
    private enum ConvMutation
    {
        /// <summary>The input declared with its channel and height axes swapped (<c>[Batch, H, C, W]</c>).</summary>
        SwappedInputAxes,
        /// <summary>A Concat of two branches (channels a and a + 1) along axis 2 instead of the channel axis.</summary>
        ConcatAlongHeight,
        /// <summary>A convolution declared with one in-channel too many.</summary>
        WrongInChannels,
    }

    /// <summary>PyTorch's output size of a window: floor((size + 2·padding − kernel) / stride) + 1.</summary>
    private static int Window(int size, int kernel, int stride, int padding) => (size + 2 * padding - kernel) / stride + 1;

    /// <summary>The C# source of <paramref name="spec"/> and the output shape (without the batch) computed here, independently of
    /// the generator, by PyTorch's formulas. <paramref name="mutation"/> ≥ 0 applies a <see cref="ConvMutation"/>.</summary>
    private static (string Source, int[] Output, string? Mutated) ConvSource(ConvSpec spec, int mutation = -1)
    {
        var layers = new List<string>();
        var body = new StringBuilder();
        int c = spec.Channels, h = spec.Height, w = spec.Width;
        var concatLines = new List<int>();
        var convLayers = new List<int>();
        body.AppendLine("        Tensor h = x;");
        foreach (int step in spec.Steps)
        {
            int kind = step % 6, variant = step / 6;
            string activation = Activations[step % 3];
            string name = $"L{layers.Count}";
            switch (kind)
            {
                case 0:   // a convolution: 1..3 out-channels, kernel 1..3, padding 0..1, stride 1..2
                {
                    int outChannels = variant % 3 + 1, kernel = variant / 3 % 3 + 1, padding = kernel == 1 ? 0 : variant / 9 % 2, stride = variant % 2 + 1;
                    if (h + 2 * padding < kernel || w + 2 * padding < kernel) goto default;
                    convLayers.Add(layers.Count);
                    layers.Add($"[Conv2d({c}, {outChannels}, {kernel}, Padding = {padding}, Stride = {stride})] partial Conv2d {name} {{ get; }}");
                    body.AppendLine($"        h = {activation}({name}(h));");
                    (c, h, w) = (outChannels, Window(h, kernel, stride, padding), Window(w, kernel, stride, padding));
                    break;
                }
                case 2:   // max pooling: a 2×2 window (stride 2) or a 3×3 window with stride 1 and padding 1
                    if (variant % 2 == 0 && h >= 2 && w >= 2)
                    {
                        body.AppendLine("        h = MaxPool2d(h, 2);");
                        (h, w) = (Window(h, 2, 2, 0), Window(w, 2, 2, 0));
                    }
                    else
                    {
                        body.AppendLine("        h = MaxPool2d(h, 3, stride: 1, padding: 1);");
                    }
                    break;
                case 3:   // average pooling: a 2×2 window with stride 1, or a 3×3 window with stride 2 and padding 1
                    if (variant % 2 == 0 && h >= 2 && w >= 2)
                    {
                        body.AppendLine("        h = AvgPool2d(h, 2, stride: 1);");
                        (h, w) = (Window(h, 2, 1, 0), Window(w, 2, 1, 0));
                    }
                    else
                    {
                        body.AppendLine("        h = AvgPool2d(h, 3, stride: 2, padding: 1);");
                        (h, w) = (Window(h, 3, 2, 1), Window(w, 3, 2, 1));
                    }
                    break;
                case 4:   // two branches side by side: a 1×1 convolution (a channels) and a padded 3×3 one (a + 1 channels)
                {
                    int a = variant % 2 + 1;
                    convLayers.Add(layers.Count);
                    layers.Add($"[Conv2d({c}, {a}, 1)] partial Conv2d {name}a {{ get; }}");
                    layers.Add($"[Conv2d({c}, {a + 1}, 3, Padding = 1)] partial Conv2d {name}b {{ get; }}");
                    concatLines.Add(body.Length);
                    body.AppendLine($"        h = Concat([{name}a(h), {activation}({name}b(h))], 1);");
                    c = 2 * a + 1;
                    break;
                }
                case 5:   // a residual convolution keeping the shape
                    convLayers.Add(layers.Count);
                    layers.Add($"[Conv2d({c}, {c}, 3, Padding = 1)] partial Conv2d {name} {{ get; }}");
                    body.AppendLine($"        h = h + {activation}({name}(h));");
                    break;
                default:  // an activation
                    body.AppendLine($"        h = {activation}(h);");
                    break;
            }
        }

        string input = $"Tensor<Batch, D{spec.Channels}, D{spec.Height}, D{spec.Width}>";
        string? mutated = null;
        if (mutation >= 0)
        {
            var kind = (ConvMutation)(mutation % 3);
            if (kind == ConvMutation.ConcatAlongHeight && concatLines.Count > 0)
            {
                int at = concatLines[mutation / 3 % concatLines.Count];
                int end = body.ToString().IndexOf('\n', at);
                string line = body.ToString(at, end - at);
                body.Remove(at, end - at).Insert(at, line.Replace("], 1);", "], 2);", StringComparison.Ordinal));
                mutated = "a Concat along axis 2";
            }
            else if (kind == ConvMutation.WrongInChannels && convLayers.Count > 0)
            {
                int at = convLayers[mutation / 3 % convLayers.Count];
                string layer = layers[at];
                int open = layer.IndexOf('(') + 1, comma = layer.IndexOf(',');
                int inChannels = int.Parse(layer[open..comma], CultureInfo.InvariantCulture);
                layers[at] = layer[..open] + (inChannels + 1).ToString(CultureInfo.InvariantCulture) + layer[comma..];
                mutated = $"{layer} given {inChannels + 1} in-channels";
            }
            else
            {
                input = $"Tensor<Batch, D{spec.Height}, D{spec.Channels}, D{spec.Width}>";
                mutated = "the input's channel and height axes swapped";
            }
        }

        var source = new StringBuilder();
        source.AppendLine("using ShapeNet;");
        source.AppendLine("namespace Prop;");
        // Every size the input and the return type name needs a [Dim]: padding can make the output larger than 8
        // (seed 6moUkt-_yc41: a 7-high input, 1×1 convolutions with padding 1, a 9-high output).
        int largest = Math.Max(Math.Max(8, Math.Max(c, Math.Max(h, w))), Math.Max(spec.Channels, Math.Max(spec.Height, spec.Width)));
        for (int n = 1; n <= largest; n++) source.AppendLine($"[Dim({n})] public partial struct D{n};");
        source.AppendLine("[Network]");
        source.AppendLine("public partial class Net");
        source.AppendLine("{");
        foreach (string layer in layers) source.AppendLine("    " + layer);
        source.AppendLine("    [Forward]");
        source.AppendLine($"    public Tensor<Batch, D{c}, D{h}, D{w}> Forward({input} x)");
        source.AppendLine("    {");
        source.Append(body);
        source.AppendLine("        return h;");
        source.AppendLine("    }");
        source.AppendLine("}");
        source.AppendLine($$"""
            public static class Check
            {
                /// <summary>The eager output's shape, the plan output's length, and the largest |plan − eager| over seeded inputs.</summary>
                public static (int[] Shape, int PlanLength, float Difference) Run(int seed)
                {
                    var net = new Net(seed);
                    float[] x = Tensor.Randn([{{Batch}}, {{spec.Channels}}, {{spec.Height}}, {{spec.Width}}], seed: seed).Data;
                    global::ShapeNet.Tensor eager = net.Forward(Tensor<Batch, D{{spec.Channels}}, D{{spec.Height}}, D{{spec.Width}}>.FromArray(x, batch: {{Batch}})).Value;
                    using Net.Plan plan = net.CreatePlan({{Batch}});
                    var compiled = new float[eager.Data.Length];
                    plan.Forward(x, compiled, {{Batch}});
                    float max = 0;
                    for (int i = 0; i < compiled.Length; i++) max = System.Math.Max(max, System.Math.Abs(eager.Data[i] - compiled[i]));
                    return (eager.Shape, plan.OutputToArray().Length, max);
                }
            }
            """);
        return (source.ToString(), [c, h, w], mutated);
    }

    /// <summary>Generates, compiles and runs <paramref name="spec"/>, its return declared with the shape computed by PyTorch's
    /// formulas: the generator accepts it (its inference agrees), the eager output has that shape, the plan output that many
    /// values, and plan and eager agree to 1e-4.</summary>
    private static void WellFormedConvNetworkMatches(ConvSpec spec)
    {
        (string source, int[] output, _) = ConvSource(spec);
        GeneratorResult result = GeneratorHarness.Run(source);
        if (result.GeneratorRun.Exception is not null) throw new XunitException($"{spec}: the generator threw {result.GeneratorRun.Exception}");
        if (result.GeneratorDiagnostics.Length > 0 || !result.CompilationErrors.IsEmpty)
            throw new XunitException($"{spec}: {DiagnosticAssert.FormatAll(result.GeneratorDiagnostics.Concat(result.CompilationErrors).ToArray())}\n{source}");
        using GeneratedAssembly assembly = result.Emit();
        var (shape, planLength, difference) = ((int[], int, float))assembly.GetType("Prop.Check").GetMethod("Run")!.Invoke(null, [spec.Steps.Sum() + spec.Height])!;
        int[] expected = [Batch, .. output];
        if (!shape.SequenceEqual(expected))
            throw new XunitException($"{spec}: the eager output is [{string.Join(", ", shape)}], the generator inferred [{string.Join(", ", expected)}]\n{source}");
        if (planLength != expected.Aggregate(1, (a, b) => a * b))
            throw new XunitException($"{spec}: the plan output has {planLength} values, the inferred shape [{string.Join(", ", expected)}] holds {expected.Aggregate(1, (a, b) => a * b)}\n{source}");
        if (!(difference <= 1e-4f)) throw new XunitException($"{spec}: plan and eager outputs differ by {difference.ToString(CultureInfo.InvariantCulture)} (tolerance 1e-4)\n{source}");
    }

    /// <summary>A mutation of a convolutional network gives an SN diagnostic, never SN0900, an exception, or broken generated code.</summary>
    private static void ConvMutationIsDiagnosed(ConvSpec spec, int mutation)
    {
        (string source, _, string? mutated) = ConvSource(spec, mutation);
        string what = $"{spec} / {mutated}";
        GeneratorResult result = GeneratorHarness.Run(source);
        if (result.GeneratorRun.Exception is not null) throw new XunitException($"{what}: the generator threw {result.GeneratorRun.Exception}");
        Diagnostic[] sn = result.GeneratorDiagnostics.Where(d => d.Id.StartsWith("SN", StringComparison.Ordinal)).ToArray();
        if (sn.Length == 0) throw new XunitException($"{what}: no SN diagnostic for a mutated network\n{source}");
        if (sn.Any(d => d.Id is "SN0900" or "SN0901")) throw new XunitException($"{what}: {DiagnosticAssert.FormatAll(sn)}");
        Diagnostic[] generatedErrors = result.CompilationErrors.Where(d => d.Location.SourceTree?.FilePath.Contains("ShapeNet.Generator", StringComparison.Ordinal) == true).ToArray();
        if (generatedErrors.Length > 0) throw new XunitException($"{what}: generated code does not compile: {DiagnosticAssert.FormatAll(generatedErrors)}");
    }

    [Fact]
    public void Random_convolutional_networks_generate_compile_match_eager_and_have_the_inferred_shape() =>
        ConvNetworks.Sample(WellFormedConvNetworkMatches, iter: 15, threads: 1);

    /// <summary>The seed that drew a 9-high output while the source declared only D1–D8 (a bug in this test's source
    /// builder, which now declares every size it names); replayed so it stays fixed.</summary>
    [Fact]
    public void Random_convolutional_networks_seed_with_an_output_larger_than_eight() =>
        ConvNetworks.Sample(WellFormedConvNetworkMatches, iter: 15, threads: 1, seed: "6moUkt-_yc41");

    [Fact]
    public void Random_convolutional_mutations_swapped_axes_and_wrong_channels_give_an_SN_diagnostic() =>
        Gen.Select(ConvNetworks, Gen.Int[0, 11]).Sample(t => ConvMutationIsDiagnosed(t.Item1, t.Item2), iter: 15, threads: 1);

    /// <summary>Convolutional cases kept as regression cases: each kind of step alone, a Concat then a pool, and each mutation.</summary>
    public static TheoryData<int, int, int, int[]> ConvCases() => new()
    {
        { 1, 4, 4, [0] },          // Relu(Conv2d(1, 1, 1, stride 1))
        { 3, 5, 7, [36, 2] },      // a 3×3 stride-1 conv, then a 2×2 max pool
        { 2, 7, 4, [4, 9] },       // Concat of a 1×1 and a 3×3 branch, then a 3×3 stride-2 padded average pool
        { 1, 6, 5, [5, 3, 8] },    // a residual conv, a 2×2 stride-1 average pool, a padded 3×3 max pool
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Convolutional_cases_hold(int channels, int height, int width, int[] steps)
    {
        var spec = new ConvSpec(channels, height, width, steps);
        WellFormedConvNetworkMatches(spec);
        for (int mutation = 0; mutation < 3; mutation++) ConvMutationIsDiagnosed(spec, mutation);
    }

    /// <summary>Shrunk counterexamples found by the properties, kept as regression cases (none found so far that failed; these
    /// pin the shapes CsCheck shrinks towards: one layer, a loop over a width-1 layer, an activation alone).</summary>
    public static TheoryData<int, int[]> Counterexamples() => new()
    {
        { 1, [0] },
        { 1, [3] },
        { 6, [1] },
        { 2, [2, 3, 1, 0] },
    };

    [Theory]
    [MemberData(nameof(Counterexamples))]
    public void Shrunk_cases_hold(int input, int[] steps)
    {
        WellFormedNetworkMatches(new NetworkSpec(input, steps));
        MutationIsDiagnosed(new NetworkSpec(input, steps), 0);
    }
}
