using System.CommandLine;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Autograd;

/// <summary>
/// d2l 2.5, automatic differentiation: the book's examples through generated gradients
/// (<see cref="AutogradExamples"/>), and the one example a static graph cannot take, the data-dependent <c>while</c>
/// loop, which the generator rejects at compile time with SN0201.
/// </summary>
public static class AutogradSample
{
    public sealed record Options;

    /// <summary>d2l's control-flow example as a <c>[Differentiable]</c> function. It is not part of this program: the
    /// generator rejects it, so the project would not build with it.</summary>
    public const string RejectedSource = """
        using ShapeNet;
        using static ShapeNet.Ops;

        [Dim(4)] public partial struct Four;

        public static partial class ControlFlow
        {
            [Differentiable]
            public static Tensor F(Tensor<Four> a)
            {
                var b = a * 2;
                while (Sum(b * b).Item() < 1000 * 1000) b = b * 2;
                return Sum(b);
            }
        }
        """;

    /// <summary>What the compiler reports for <see cref="RejectedSource"/> (the samples' tests run the generator on it
    /// and compare).</summary>
    public const string RejectedDiagnostic =
        "SN0201: The 'while' statement cannot be compiled into a network's static graph: a loop whose count depends on tensor values has no static graph; " +
        "use a 'for' loop over a constant range (for (int i = 0; i < 3; i++)), or run the loop eagerly outside the network";

    public static Command Command()
    {
        var command = new Command("autograd", "d2l 2.5: gradients generated from [Differentiable] functions; why a data-dependent loop is rejected (SN0201).");
        command.SetAction(_ => Run(new Options(), Console.Out));
        return command;
    }

    public static int Run(Options options, TextWriter output)
    {
        var report = new Report(output);
        Tensor<Four> x = Tensor<Four>.FromArray([0f, 1f, 2f, 3f]);
        output.WriteLine($"x = {x}");

        var (twiceDot, dTwiceDot) = AutogradExamples.TwiceDotGrad(x);
        Show(output, report, "y = 2 * Dot(x, x)", twiceDot, dTwiceDot, (4 * (Tensor)x).ToArray(), "4x");

        var (sum, dSum) = AutogradExamples.SumOfGrad(x);
        Show(output, report, "y = Sum(x)", sum, dSum, Tensor.OnesLike(x).ToArray(), "ones");

        var (squares, dSquares) = AutogradExamples.SumOfSquaresGrad(x);
        Show(output, report, "y = Sum(x * x)", squares, dSquares, (2 * (Tensor)x).ToArray(), "2x");

        var (detached, dDetached) = AutogradExamples.DetachedGrad(x);
        Show(output, report, "u = Detach(x * x); y = Sum(u * x)", detached, dDetached, ((Tensor)x * x).ToArray(), "u = x * x");

        output.WriteLine();
        output.WriteLine("d2l's control-flow example, b doubled while its norm is below 1000, is the one a static graph cannot take:");
        output.WriteLine(RejectedSource);
        output.WriteLine("The generator rejects it at compile time:");
        output.WriteLine("  " + RejectedDiagnostic);
        output.WriteLine("Run such a loop eagerly (plain C# around the generated function), or unroll a constant number of steps with 'for'.");
        return report.ExitCode;
    }

    private static void Show(TextWriter output, Report report, string what, Tensor value, Tensor gradient, float[] expected, string expectedName)
    {
        output.WriteLine($"{what} = {Report.Number(value.Item(), "G6")}");
        float[] measured = gradient.ToArray();
        bool ok = measured.Length == expected.Length && measured.Zip(expected).All(p => Math.Abs(p.First - p.Second) <= 1e-5f);
        report.Check($"  dy/dx", ok, Format(measured), $"{expectedName} = {Format(expected)}");
    }

    private static string Format(float[] values) => "[" + string.Join(", ", values.Select(v => Report.Number(v, "0.###"))) + "]";
}
