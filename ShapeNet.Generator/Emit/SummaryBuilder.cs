using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Emit;

/// <summary>
/// A torchinfo-like table computed at compile time: a row per layer or op (path or source text, op, output shape,
/// parameter count, forward FLOPs per sample), then totals: parameters and their bytes, FLOPs per sample, plan memory
/// per sample and at batch <see cref="ShownBatch"/>. Invariant formatting with thousands separators.
/// </summary>
internal static class SummaryBuilder
{
    public const int ShownBatch = 64;
    private const int MaxNameLength = 32;

    public static string Build(string networkName, CompiledGraph graph, BufferPlan plan)
    {
        var rows = new List<string[]> { new[] { "Layer", "Op", "Output shape", "Param #", "FLOPs/sample" } };
        var countedParameters = new HashSet<int>();
        long totalFlops = 0;
        foreach (CompiledNode node in graph.Nodes)
        {
            if (!plan.Live[node.Id] || node.Op == nameof(Ops.Input)) continue;
            long flops = Flops(graph, node);
            // A loop body's node runs once per step (a loop to the run-time length: the FLOPs of one step).
            if (graph.LoopOf(node.Id) is { Count: > 0 } loop && loop.InBody(node.Id)) flops = checked(flops * loop.Count);
            totalFlops += flops;
            string parameters;
            if (node.Parameters.Count == 0) parameters = "0";
            else if (countedParameters.Add(node.Parameters[0])) parameters = Number(node.Parameters.Sum(p => Elements(graph.Parameters[p].Shape)));
            else parameters = "(shared)";
            // Ops inside a block are named by the block's path too: two uses of one block have the same source text.
            string name = node.Path.Length > 0 ? node.Path : Truncate(node.Scope.Length > 0 ? node.Scope.TrimEnd('.') + ": " + node.Text : node.Text);
            rows.Add(new[] { name, node.Op, string.Join(", ", node.Outputs.Select(o => graph.ShapeOf(o).ToString())), parameters, Number(flops) });
        }

        long parameterCount = graph.Parameters.Sum(p => Elements(p.Shape));
        Shape output = graph.ShapeOf(graph.Output);
        // The runtime adds the loss target (shaped like the output) and three one-float buffers (loss, dLoss, the loss sum).
        long targetBytes = Sizes.At(Sizes.StaticCount(output), Sizes.DynamicCount(output), ShownBatch) * sizeof(float) + 3 * sizeof(float);
        long perSample = plan.BytesPerSample + (Sizes.DynamicCount(output) == 1 ? Sizes.StaticCount(output) * sizeof(float) : 0);

        int[] widths = Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length)).ToArray();
        int total = widths.Sum() + 2 * 4;
        var sb = new StringBuilder();
        sb.Append(networkName).Append('\n');
        for (int r = 0; r < rows.Count; r++)
        {
            string[] row = rows[r];
            sb.Append(row[0].PadRight(widths[0])).Append("  ")
              .Append(row[1].PadRight(widths[1])).Append("  ")
              .Append(row[2].PadRight(widths[2])).Append("  ")
              .Append(row[3].PadLeft(widths[3])).Append("  ")
              .Append(row[4].PadLeft(widths[4]));
            sb.Append('\n');
            if (r == 0) sb.Append(new string('-', total)).Append('\n');
        }
        sb.Append(new string('=', total)).Append('\n');
        sb.Append("Parameters: ").Append(Number(parameterCount)).Append(" (").Append(Number(parameterCount * sizeof(float))).Append(" bytes)\n");
        if (graph.Buffers.Count > 0)
        {
            long bufferCount = graph.Buffers.Sum(b => Elements(b.Shape));
            sb.Append("Buffers (running statistics, not trained): ").Append(Number(bufferCount)).Append(" (")
              .Append(Number(bufferCount * sizeof(float))).Append(" bytes)\n");
        }
        if (plan.HasSeq) sb.Append("Sizes per sample are per step of the run-time Seq dimension (a sequence length of 1).\n");
        sb.Append("Forward FLOPs per sample: ").Append(Number(totalFlops)).Append('\n');
        sb.Append("Activations + gradients per sample: ").Append(Number(perSample)).Append(" bytes\n");
        sb.Append("Plan memory at batch ").Append(ShownBatch.ToString(CultureInfo.InvariantCulture)).Append(": ")
          .Append(Number(plan.BytesAt(ShownBatch) + targetBytes)).Append(" bytes")
          // Its length depends on the core count, known at run time only (NetworkPlan.MemoryBytes includes it).
          .Append(string.Concat(plan.Workspaces.Select(ws => " + " + ws.SummaryNote))).Append('\n');
        return sb.ToString();
    }

    /// <summary>Forward FLOPs per sample, as the op's definition counts them (0 for an op the registry does not know).</summary>
    private static long Flops(CompiledGraph graph, CompiledNode node) =>
        Ops.OpRegistry.Find(node.Op)?.FlopsOf(node.Args, new Ops.NodeInfo(graph, node)) ?? 0;

    private static long Elements(Shape shape) => Sizes.StaticCount(shape);

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Truncate(string text)
    {
        string oneLine = string.Join(" ", text.Split(new[] { '\r', '\n', '\t', ' ' }, System.StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= MaxNameLength ? oneLine : oneLine.Substring(0, MaxNameLength - 1) + "…";
    }
}
