using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using static ShapeNet.Generator.Emit.EmitHelpers;

namespace ShapeNet.Generator.Emit;

/// <summary>
/// A network's <c>ExportOnnx</c> and <c>ToOnnx</c>: the compiled graph (the one the plan runs) described to
/// <c>global::ShapeNet.Onnx.OnnxModelBuilder</c> in inference mode. Inputs keep the forward method's parameter names,
/// the outputs are <c>output</c> (<c>output_0</c>, … for a tuple), parameters and buffers are initializers under their PyTorch
/// names, and each node is written by its op definition's <c>Onnx</c> stage. When an op cannot be exported the methods
/// throw <c>NotSupportedException</c> naming it, so no wrong file is ever written.
/// </summary>
internal static class OnnxEmitter
{
    private const string Builder = "global::ShapeNet.Onnx.OnnxModelBuilder";

    public static void Write(IndentedWriter w, string className, CompiledGraph graph)
    {
        var lines = new List<string>();
        var failures = new List<string>();
        var names = new OnnxGraphNames(graph);
        Describe(graph, names, lines, failures);

        string batchDoc = "<param name=\"batch\">A fixed batch size, or null (the default) for a dynamic batch axis named <c>batch</c>.</param>";
        string opsetDoc = "<param name=\"opset\">The ONNX opset, 17 (the default) to 21.</param>";
        w.Line("/// <summary>Writes this network to <paramref name=\"path\"/> as an ONNX model in inference mode (BatchNorm with its running statistics,");
        w.Line("/// Dropout as the identity), with the parameters under their PyTorch names; see docs/onnx.md.</summary>");
        w.Line($"/// {batchDoc}");
        w.Line($"/// {opsetDoc}");
        w.Line($"public void ExportOnnx(string path, int? batch = null, int opset = {Builder}.DefaultOpset) => OnnxModel(batch, opset).Save(path);");
        w.Line();
        w.Line("/// <summary>This network as the bytes of an ONNX model (see <see cref=\"ExportOnnx\"/>).</summary>");
        w.Line($"/// {batchDoc}");
        w.Line($"/// {opsetDoc}");
        w.Line($"public byte[] ToOnnx(int? batch = null, int opset = {Builder}.DefaultOpset) => OnnxModel(batch, opset).ToArray();");
        w.Line();
        using (w.Block($"private {Builder} OnnxModel(int? batch, int opset)"))
        {
            if (failures.Count > 0)
            {
                string message = $"{className} cannot be exported to ONNX: " + string.Join("; ", failures.Distinct());
                w.Line($"throw new global::System.NotSupportedException({StringLiteral(message)});");
                return;
            }
            w.Line($"var model = new {Builder}({StringLiteral(className)}, batch, opset);");
            for (int i = 0; i < graph.Inputs.Count; i++)
            {
                int input = graph.Inputs[i];
                string method = graph.Producer(input).Args is InputArgs { Integer: true } ? "Int32Input" : "Input";
                w.Line($"model.{method}({StringLiteral(names.Value(input))}{Dims(graph.ShapeOf(input))}); // {graph.InputNames[i]}: {graph.ShapeOf(input)}");
            }
            foreach (int p in names.UsedParameters)
            {
                ParameterInfo parameter = graph.Parameters[p];
                w.Line($"model.Initializer({StringLiteral(parameter.Name)}, Parameters[{p}].Value{Dims(parameter.Shape)});");
            }
            foreach (int b in names.UsedBuffers)
            {
                BufferInfo buffer = graph.Buffers[b];
                w.Line($"model.Initializer({StringLiteral(buffer.Name)}, Buffers[{b}].Value{Dims(buffer.Shape)});");
            }
            foreach (string line in lines) w.Line(line);
            foreach (int output in graph.Outputs.Distinct())
                w.Line($"model.Output({StringLiteral(names.Value(output))}{Dims(graph.ShapeOf(output))}); // {graph.ShapeOf(output)}");
            w.Line("return model;");
        }
    }

    /// <summary>The ONNX statements of the nodes the outputs depend on, in evaluation order.</summary>
    private static void Describe(CompiledGraph graph, OnnxGraphNames names, List<string> lines, List<string> failures)
    {
        for (int i = 0; i < graph.Inputs.Count; i++) names.Name(graph.Inputs[i], graph.InputNames[i]);
        var outputs = graph.Outputs.Distinct().ToList();
        for (int i = 0; i < outputs.Count; i++)
        {
            // An input returned as it is keeps its name: ONNX values have one name each.
            if (graph.Inputs.Contains(outputs[i])) continue;
            names.Name(outputs[i], names.Unique(outputs.Count == 1 ? "output" : "output_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        foreach (Dim d in graph.Values.SelectMany(v => v.Shape.Dims))
        {
            if (d.IsDynamic && d.Name != "Batch")
            {
                failures.Add($"the run-time dimension {d} (ONNX export supports Batch and Seq as the run-time dimensions)");
                return;
            }
        }

        var needed = new bool[graph.Nodes.Count];
        var pending = new Stack<int>(graph.Outputs.Select(o => graph.Values[o].Node));
        while (pending.Count > 0)
        {
            int n = pending.Pop();
            if (needed[n]) continue;
            needed[n] = true;
            foreach (int input in graph.Nodes[n].Inputs) pending.Push(graph.Values[input].Node);
            // A step's state needs the previous step's value (the loop's back edge).
            foreach (CompiledCarry carry in graph.Loops.SelectMany(l => l.Carried).Where(c => graph.Values[c.State].Node == n))
                pending.Push(graph.Values[carry.Out].Node);
        }
        foreach (CompiledNode node in graph.Nodes)
        {
            if (graph.LoopOf(node.Id) is { } loop)
            {
                if (node.Id == loop.FirstNode) DescribeLoop(graph, loop, needed, names, lines, failures);
                continue;
            }
            if (!needed[node.Id] || node.Op == "Input") continue;
            if (OpRegistry.Find(node.Op) is not { } op)
            {
                failures.Add($"{node.Op} ({node.Text}): no op definition");
                continue;
            }
            op.WriteOnnx(node.Args, new OnnxContext(graph, node, names, lines, failures));
        }
    }

    /// <summary>Most steps of a hand-written loop the ONNX export unrolls.</summary>
    private const int MaxUnrolledSteps = 1024;

    /// <summary>A loop region, unrolled (ONNX's <c>Loop</c> operator is not written): the body's nodes once per step with fresh
    /// names, a state named as the value it stands for, <c>x[t]</c> a <c>Gather</c> of the constant step, a collected result one
    /// <c>Concat</c> of every step's piece after the initial part, a carried value after the loop an <c>Identity</c> of its last step's.</summary>
    private static void DescribeLoop(CompiledGraph graph, CompiledLoop loop, bool[] needed, OnnxGraphNames names, List<string> lines, List<string> failures)
    {
        if (loop.IsSeq)
        {
            failures.Add($"{loop.Header}: a loop to the run-time sequence length");
            return;
        }
        // The export unrolls the loop step by step (names made per step): bounded, so a long loop is refused, not a slow generator.
        if (loop.Count > MaxUnrolledSteps)
        {
            failures.Add($"{loop.Header}: a loop of {loop.Count} steps (ONNX export unrolls a loop, at most {MaxUnrolledSteps} steps)");
            return;
        }
        var body = Enumerable.Range(loop.FirstNode, loop.LastNode - loop.FirstNode + 1).Where(id => needed[id]).Select(id => graph.Nodes[id]).ToList();
        var results = Enumerable.Range(loop.LastNode + 1, loop.EndNode - loop.LastNode).Where(id => needed[id]).Select(id => graph.Nodes[id]).ToList();
        var pieces = results.Where(r => r.Op == nameof(LoopCollect)).ToDictionary(r => r.Id, r => new List<string> { names.Value(r.Inputs[0]) });
        var last = new Dictionary<int, string>();
        for (int t = loop.Start; t < loop.Start + loop.Count; t++)
        {
            if (t > loop.Start) names.Forget(body.SelectMany(n => n.Outputs));
            foreach (CompiledNode node in body)
            {
                if (node.Op == nameof(LoopState))
                {
                    CompiledCarry? carry = loop.Carried.FirstOrDefault(c => c.State == node.Output);
                    names.Name(node.Output, t == loop.Start || carry is null ? names.Value(node.Inputs[0]) : last[carry.Out]);
                    continue;
                }
                var o = new OnnxContext(graph, node, names, lines, failures);
                if (node.Op == nameof(StepSelect))
                    o.Op("Gather", new[] { o.Input(0), o.Int64Scalar("index", t) }, new[] { o.Output(0) }, OnnxAttr.Int("axis", 0));
                else if (OpRegistry.Find(node.Op) is { } op)
                    op.WriteOnnx(node.Args, o);
                else
                    failures.Add($"{node.Op} ({node.Text}): no op definition");
            }
            foreach (CompiledCarry carry in loop.Carried) last[carry.Out] = names.Value(carry.Out);
            foreach (CompiledNode collect in results.Where(r => r.Op == nameof(LoopCollect))) pieces[collect.Id].Add(names.Value(collect.Inputs[1]));
        }
        foreach (CompiledNode result in results)
        {
            var o = new OnnxContext(graph, result, names, lines, failures);
            if (result.Op == nameof(LoopCollect))
                o.Op("Concat", pieces[result.Id].ToArray(), new[] { o.Output(0) }, OnnxAttr.Int("axis", ((LoopArgs)result.Args).Axis));
            else if (loop.Carried.FirstOrDefault(c => c.Exit == result.Output) is { } carry && last.TryGetValue(carry.Out, out string? value))
                o.Op("Identity", new[] { value }, new[] { o.Output(0) });
        }
    }

    /// <summary><c>, OnnxModelBuilder.BatchAxis, 1, 28, 28</c>: the shape as the builder's trailing arguments.</summary>
    private static string Dims(Shape shape) =>
        string.Concat(shape.Dims.Select(d => ", " + (d.IsStatic ? Planning.Sizes.Literal(d.Size) : d.IsSeq ? Builder + ".SeqAxis"
            : d.IsProduct ? Builder + ".ProductAxis" : Builder + ".BatchAxis")));
}
