using System.Reflection;
using System.Text.RegularExpressions;
using ShapeNet.Onnx.Tests.Networks;

namespace ShapeNet.Onnx.Tests;

/// <summary>
/// No op is exported unchecked: every op definition of the generator (<c>ShapeNet.Generator/Ops</c>, read from the source) is
/// either used by a network that <see cref="OnnxRuntimeParityTests"/> runs in ONNX Runtime (read from each network's generated
/// <c>Summary</c>, whose Op column lists every node), or refused by the export with its name in the exception.
/// </summary>
public sealed partial class OpCoverageTests
{
    /// <summary>Ops whose export is refused: the training losses (docs/onnx.md). <see cref="Input"/> is no node.</summary>
    private static readonly string[] Refused = ["BceLoss", "BceWithLogitsLoss", "CrossEntropyLoss", "MseLoss", "NllLoss"];

    [Fact]
    public void Every_op_is_checked_in_onnx_runtime_or_refused_by_name()
    {
        string[] all = OpNames();
        Assert.Contains("Linear", all);
        Assert.Contains("Pick", all);
        var tested = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ExportCase c in ExportCase.Samples.Values.Concat(ExportCase.OpCoverage.Values))
            tested.UnionWith(SummaryOps(c.Create().GetType()));
        string[] unchecked_ = all.Where(op => op != "Input" && !tested.Contains(op) && !Refused.Contains(op)).ToArray();
        Assert.True(unchecked_.Length == 0,
            $"ops no ONNX Runtime parity network uses and the export does not refuse: {string.Join(", ", unchecked_)}. Add a network " +
            "that uses each to ExportCase.OpCoverage, or, if ONNX cannot express it, call Unsupported(why) in its Onnx stage and list it " +
            "in Refused here and in docs/onnx.md");
        string[] refusedButTested = Refused.Where(tested.Contains).ToArray();
        Assert.True(refusedButTested.Length == 0, $"refused ops inside parity networks: {string.Join(", ", refusedButTested)}");
    }

    [Fact]
    public void Every_refused_op_is_named_in_the_exception()
    {
        var e = Assert.Throws<NotSupportedException>(() => new AllLossesNet(1).ToOnnx());
        Assert.StartsWith("AllLossesNet cannot be exported to ONNX: ", e.Message);
        foreach (string op in Refused)
            Assert.Contains($"{op} is a training loss; export the network without it", e.Message);
    }

    /// <summary>The canonical names of the op definitions (<c>public override string Name => "Linear";</c>).</summary>
    private static string[] OpNames()
    {
        string ops = Path.Combine(SolutionDirectory(), "ShapeNet.Generator", "Ops");
        return Directory.EnumerateFiles(ops, "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => NamePattern().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The Op column of a network's generated summary table.</summary>
    private static IEnumerable<string> SummaryOps(Type network)
    {
        FieldInfo field = network.GetField("Summary", BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{network.Name} has no Summary");
        string[] lines = ((string)field.GetRawConstantValue()!).Split('\n');
        string header = lines[1];
        int op = header.IndexOf(" Op ", StringComparison.Ordinal) + 1, shape = header.IndexOf("Output shape", StringComparison.Ordinal);
        Assert.True(op > 0 && shape > op, $"{network.Name}: unexpected summary header '{header}'");
        return lines.Skip(3).TakeWhile(l => !l.StartsWith('=')).Where(l => l.Length > shape).Select(l => l[op..shape].Trim());
    }

    private static string SolutionDirectory()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ShapeNet.sln"))) return d.FullName;
        throw new InvalidOperationException("ShapeNet.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("""override string Name => "(\w+)";""")]
    private static partial Regex NamePattern();
}
