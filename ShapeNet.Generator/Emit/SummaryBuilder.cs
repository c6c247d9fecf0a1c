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
            if (!plan.Live[node.Id] || node.Op == "Input") continue;
            long flops = Flops(graph, node);
            totalFlops += flops;
            string parameters;
            if (node.Parameters.Count == 0) parameters = "0";
            else if (countedParameters.Add(node.Parameters[0])) parameters = Number(node.Parameters.Sum(p => Elements(graph.Parameters[p].Shape)));
            else parameters = "(shared)";
            // Ops inside a block are named by the block's path too: two uses of one block have the same source text.
            string name = node.Path.Length > 0 ? node.Path : Truncate(node.Scope.Length > 0 ? node.Scope.TrimEnd('.') + ": " + node.Text : node.Text);
            rows.Add(new[] { name, node.Op, node.Shape.ToString(), parameters, Number(flops) });
        }

        long parameterCount = graph.Parameters.Sum(p => Elements(p.Shape));
        Shape output = graph.Nodes[graph.Output].Shape;
        // The runtime adds the loss target (shaped like the output) and two one-float buffers (loss, dLoss).
        long targetBytes = Sizes.At(Sizes.StaticCount(output), Sizes.DynamicCount(output), ShownBatch) * sizeof(float) + 2 * sizeof(float);
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
        sb.Append("Forward FLOPs per sample: ").Append(Number(totalFlops)).Append('\n');
        sb.Append("Activations + gradients per sample: ").Append(Number(perSample)).Append(" bytes\n");
        sb.Append("Plan memory at batch ").Append(ShownBatch.ToString(CultureInfo.InvariantCulture)).Append(": ")
          .Append(Number(plan.BytesAt(ShownBatch) + targetBytes)).Append(" bytes")
          // Its length depends on the core count, known at run time only (NetworkPlan.MemoryBytes includes it).
          .Append(plan.Convolutions.Count > 0 ? " + the convolution workspace\n" : "\n");
        return sb.ToString();
    }

    /// <summary>Forward FLOPs per sample: 2·in·out per row for Linear, 2·out·OH·OW·(in/groups)·kh·kw for Conv2d, 2·M·N·K for a
    /// product, kh·kw per output for 2-D pooling, 2 per element for BatchNorm2d (inference's multiply-add), the input size for
    /// reductions, the output size otherwise.</summary>
    private static long Flops(CompiledGraph graph, CompiledNode node)
    {
        long outputElements = Sizes.StaticCount(node.Shape);
        switch (node.Op)
        {
            case "Reshape":
            case "Detach":
                return 0;
            case "Linear":
            {
                Shape x = graph.Nodes[node.Inputs[0]].Shape;
                long inFeatures = x.Rank > 0 && x[x.Rank - 1].IsStatic ? x[x.Rank - 1].Size : 1;
                return 2 * inFeatures * outputElements;
            }
            case "Conv2d" when node.Parameters.Count > 0:
            {
                // 2·out·OH·OW·(in/groups)·kh·kw: every output element is a dot product over its group's window.
                Shape weight = graph.Parameters[node.Parameters[0]].Shape;
                long window = weight.Dims.Skip(1).Where(d => d.IsStatic).Aggregate(1L, (a, d) => a * d.Size);
                return 2 * window * outputElements;
            }
            case "MaxPool2d":
            case "AvgPool2d":
            {
                long kh = long.TryParse(node.Arg("kh"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long h) ? h : 1;
                long kw = long.TryParse(node.Arg("kw"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long k) ? k : kh;
                return kh * kw * outputElements;
            }
            case "GlobalAvgPool":
                return Sizes.StaticCount(graph.Nodes[node.Inputs[0]].Shape);
            case "BatchNorm2d":
                // y = x·scale + shift per channel; the statistics of a training pass (about 3 more per element) are not counted.
                return 2 * outputElements;
            case "MatMul":
            case "Dot":
            {
                Shape a = graph.Nodes[node.Inputs[0]].Shape;
                long k = a.Rank > 0 && a[a.Rank - 1].IsStatic ? a[a.Rank - 1].Size : 1;
                return 2 * k * outputElements;
            }
        }
        if (Ops.OpCatalog.Losses.Contains(node.Op)) return Sizes.StaticCount(graph.Nodes[node.Inputs[0]].Shape);
        if (node.Op is "Sum" or "Mean" or "Softmax" or "LogSoftmax") return Sizes.StaticCount(graph.Nodes[node.Inputs[0]].Shape);
        return outputElements;
    }

    private static long Elements(Shape shape) => Sizes.StaticCount(shape);

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Truncate(string text)
    {
        string oneLine = string.Join(" ", text.Split(new[] { '\r', '\n', '\t', ' ' }, System.StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= MaxNameLength ? oneLine : oneLine.Substring(0, MaxNameLength - 1) + "…";
    }
}
