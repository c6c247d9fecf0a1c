using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Emit;

/// <summary>
/// Writes the forward and backward passes of a planned graph: each node's definition makes its call records, and
/// <see cref="CallPrinter"/> prints them, each node's calls headed by a comment with the source text and the shapes.
/// Shared by network plans (buffers are fields) and differentiable functions (buffers are locals).
/// </summary>
internal sealed class GraphCodeWriter
{
    private readonly List<string> _failures = new();
    private readonly CallPrinter _printer;
    private readonly bool _hasPlanVariables;
    private readonly IndentedWriter _writer;
    private readonly string _batch;
    private readonly string? _finiteSwitch;
    private readonly string? _inputGradientSwitch;

    /// <param name="inputGradientSwitch">A bool expression that enables writing gradients w.r.t. the inputs (a plan computes
    /// them on request only), or null to always write them.</param>
    /// <param name="variables">The network plan's training flag, dropout seed and step; null in differentiable functions.</param>
    /// <param name="finiteSwitch">A bool expression that enables a finite check of every value right after the node that writes it,
    /// and in the backward pass of every gradient (a plan's <c>CheckFinite</c>), or null for none.</param>
    public GraphCodeWriter(BufferPlan plan, IndentedWriter writer, string backend, string batch, string? inputGradientSwitch = null, PassVariables? variables = null,
        string? finiteSwitch = null)
    {
        Plan = plan;
        _writer = writer;
        _batch = batch;
        _finiteSwitch = finiteSwitch;
        _inputGradientSwitch = inputGradientSwitch;
        _printer = new CallPrinter(plan, writer, backend, batch, inputGradientSwitch, variables, _failures);
        _hasPlanVariables = variables is not null;
    }

    public BufferPlan Plan { get; }

    /// <summary>Constructs the writer could not emit (each becomes SN0900).</summary>
    public IReadOnlyList<string> Failures => _failures;

    /// <summary>The forward pass: every live node in id order (a layer fused with its activation at the activation's place).</summary>
    public void WriteForward()
    {
        foreach (CompiledNode node in Plan.Graph.Nodes)
        {
            LoopPlan? loop = Plan.Graph.LoopOf(node.Id) is { } l ? Plan.LoopPlans[l.Index] : null;
            if (loop is not null && node.Id == loop.Loop.FirstNode) OpenForwardLoop(loop);
            if (loop is not null && node.Id > loop.Loop.LastNode)
            {
                WriteExit(node);   // results: a carried value's exit is a copy after the loop; a collected result was written in it
                continue;
            }
            if (Plan.Live[node.Id] && node.Op == nameof(LoopState)) WriteState(node, loop!);
            else if (Plan.Live[node.Id] && node.Op == nameof(StepSelect)) WriteStepSelect(node);
            else WriteNodeForward(node);
            if (loop is not null && node.Id == loop.Loop.LastNode) CloseForwardLoop(loop);
        }
    }

    private void WriteNodeForward(CompiledNode node)
    {
        {
            if (!Plan.Live[node.Id] || Plan.FusedActivationOf[node.Id] >= 0) return;
            CompiledNode writer = Plan.FusedInto[node.Id] >= 0 ? Plan.Graph.Nodes[Plan.FusedInto[node.Id]] : node;
            CompiledNode? activation = writer == node ? null : node;
            OpDefinition? op = OpRegistry.Find(writer.Op);
            if (op is null)
            {
                _failures.Add($"no forward code for the op {writer.Op} ({writer.Text})");
                return;
            }
            var statements = new List<CallStatement>();
            op.WriteForward(writer.Args, new ForwardContext(Plan, writer, activation, _hasPlanVariables, statements, _failures));
            Print(statements, node);
            if (_finiteSwitch is not null) WriteFiniteCheck(node);
        }
    }

    /// <summary>Anomaly detection (PyTorch's <c>detect_anomaly</c>): with the switch on, each value is checked right after the node
    /// that wrote it, in execution order, so the first check that fails names the first op that made a NaN or an infinity.</summary>
    private void WriteFiniteCheck(CompiledNode node)
    {
        foreach (int value in node.Outputs)
        {
            if (Plan.ValueName[value] is not { } buffer) continue;
            // An int32 buffer (an IntTensor input) cannot hold a NaN or an infinity; read as floats it would be garbage.
            if (Plan.Buffers.Any(b => b.Name == buffer && b.Int32)) continue;
            string length = Sizes.Count(Plan.Graph.ShapeOf(value), _batch);
            _writer.Line($"if ({_finiteSwitch}) RequireFinite({buffer}, {length}, {EmitHelpers.StringLiteral(Plan.Graph.Values[value].Text)});");
        }
    }

    /// <summary>The backward pass: nodes whose outputs receive a gradient in decreasing id, each through its definition.</summary>
    public void WriteBackward()
    {
        var opened = new bool[Plan.LoopPlans.Count];
        for (int id = Plan.Graph.LastNode; id >= 0; id--)
        {
            LoopPlan? loop = Plan.Graph.LoopOf(id) is { } l && Plan.LoopPlans[l.Index].HasBackward ? Plan.LoopPlans[l.Index] : null;
            if (loop is not null && !opened[loop.Loop.Index])
            {
                opened[loop.Loop.Index] = true;
                OpenBackwardLoop(loop);
            }
            CompiledNode node = Plan.Graph.Nodes[id];
            bool runs = Plan.Live[id] && node.Outputs.Any(o => Plan.ReceivesGradient[o]);
            if (runs && loop is not null && id > loop.Loop.LastNode)
            {
                // The loop's results: written by the head of the backward loop.
            }
            else if (runs && node.Op == nameof(LoopState)) WriteStateBackward(node, loop!);
            else if (runs && node.Op == nameof(StepSelect)) WriteStepSelectBackward(node);
            else if (runs && OpRegistry.Find(node.Op) is { } op && op.DifferentiationOf(node.Args).Kind == GradientKind.Rule)
            {
                var statements = new List<CallStatement>();
                op.WriteBackward(node.Args, new BackwardContext(Plan, node, statements, _failures));
                Print(statements, node);
                if (_finiteSwitch is not null) WriteGradientFiniteCheck(node);
            }
            if (loop is not null && id == loop.Loop.FirstNode)
            {
                _printer.LoopVariable = null;
                _writer.Outdent();
                _writer.Line("}");
            }
        }
    }

    // ---- loop regions ----------------------------------------------------------------------------

    /// <summary>The counter of the generated loops (loop regions are never nested, so one name serves all).</summary>
    private const string Step = "t";

    /// <summary>The first step past the last: a constant, or the pass's run-time sequence length.</summary>
    private static string End(CompiledLoop loop) =>
        loop.IsSeq ? (loop.Start == 0 ? Sizes.Seq : $"{Sizes.Seq}") : Sizes.Literal(loop.Start + (long)loop.Count);

    /// <summary>The slot of the current step in a per-step buffer: <c>(t - start) * length</c>.</summary>
    private string StepOffset(CompiledLoop loop, string length) =>
        (loop.Start == 0 ? Step : $"({Step} - {loop.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)})") + " * " + Parenthesized(length);

    private static string Parenthesized(string expression) => expression.Contains(" ") ? "(" + expression + ")" : expression;

    private string Size(SizeExpr size) => _printer.Argument(new SizeArgument(size));

    private string Count(int value) => Size(SizeExpr.Product(Plan.Graph.ShapeOf(value).Dims));

    private string Call(string method, params string[] arguments) => $"{_printer.Backend}.{method}({string.Join(", ", arguments)});";

    /// <summary><c>CopyRows</c> of all <paramref name="length"/> elements from <paramref name="source"/> (at its offset) to
    /// <paramref name="destination"/> (at its offset).</summary>
    private string Copy(string destination, string destinationOffset, string source, string sourceOffset, string length, bool accumulate = false) =>
        Call("CopyRows", destination, destinationOffset, length, source, sourceOffset, length, length, "1", "accumulate: " + (accumulate ? "true" : "false"));

    private string Value(int value) => Plan.ValueName[value] ?? Missing($"no value buffer for {Plan.Graph.TextOf(value)}");

    private string Gradient(int value) => Plan.GradientName[value] ?? Missing($"no gradient buffer for {Plan.Graph.TextOf(value)}");

    private string Missing(string message)
    {
        _failures.Add(message);
        return "null!";
    }

    /// <summary>A statement that writes <paramref name="value"/>'s gradient, guarded by the input-gradient switch when that is an
    /// input's gradient.</summary>
    private string GradientWrite(int value, string statement, string? condition = null)
    {
        string? guard = _inputGradientSwitch is not null && Plan.HoldsInputGradient(value) ? _inputGradientSwitch : null;
        string? both = condition is null ? guard : guard is null ? condition : $"{condition} && {guard}";
        return both is null ? statement : $"if ({both}) {statement}";
    }

    /// <summary>Before the loop, each collected result gets its initial part; then the loop opens.</summary>
    private void OpenForwardLoop(LoopPlan loopPlan)
    {
        CompiledLoop loop = loopPlan.Loop;
        _writer.Line($"// {loop.Header}: a loop over {(loop.IsSeq ? "the sequence's steps (seq)" : loop.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " steps")}; the body below runs once per step");
        foreach (CompiledNode collect in Collects(loop))
        {
            Layout layout = Layout.Of(Plan.Graph, collect);
            _writer.Line($"// {Plan.Graph.TextOf(collect.Inputs[0])} before the loop: the first {layout.Initial} of {Plan.Graph.TextOf(collect.Output)} along axis {layout.Axis}");
            _writer.Line(Call("CopyRows", Value(collect.Output), "0", Size(layout.OutputRow), Value(collect.Inputs[0]), "0", Size(layout.InitialRow),
                Size(layout.InitialRow), Size(layout.Rows), "accumulate: false"));
        }
        _writer.Line($"for (int {Step} = {loop.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)}; {Step} < {End(loop)}; {Step}++)");
        _writer.Line("{");
        _writer.Indent();
        _printer.LoopVariable = Step;
    }

    /// <summary>After the body: each step's piece into its slice of the collected results, the step's buffers into their slots.</summary>
    private void CloseForwardLoop(LoopPlan loopPlan)
    {
        CompiledLoop loop = loopPlan.Loop;
        foreach (CompiledNode collect in Collects(loop))
        {
            Layout layout = Layout.Of(Plan.Graph, collect);
            _writer.Line($"// {Plan.Graph.TextOf(collect.Inputs[1])} into its slice of {Plan.Graph.TextOf(collect.Output)}: {Plan.Graph.ShapeOf(collect.Inputs[1])} -> {Plan.Graph.ShapeOf(collect.Output)}");
            _writer.Line(Call("CopyRows", Value(collect.Output), PieceOffset(loop, layout), Size(layout.OutputRow), Value(collect.Inputs[1]), "0",
                Size(layout.PieceRow), Size(layout.PieceRow), Size(layout.Rows), "accumulate: false"));
        }
        if (loopPlan.Saves.Count + loopPlan.WorkspaceSaves.Count > 0)
        {
            _writer.Line("// the step's values, kept for the backward through time");
            string guard = _printer.Variables is { } variables ? $"if ({variables.Training}) " : string.Empty;
            foreach (LoopSave save in loopPlan.Saves)
            {
                string length = Sizes.Format(save.StaticElements, save.DynamicDims, _batch, save.SeqDims);
                _writer.Line(guard + Copy(save.Steps, StepOffset(loop, length), save.Buffer, "0", length));
            }
            foreach ((string workspace, string steps) in loopPlan.WorkspaceSaves)
                _writer.Line(guard + Copy(steps, StepOffset(loop, workspace + ".Length"), workspace, "0", workspace + ".Length"));
        }
        _printer.LoopVariable = null;
        _writer.Outdent();
        _writer.Line("}");
    }

    /// <summary>A carried value after the loop: a copy of its last step's value (the body's buffers are overwritten when the
    /// backward replays the steps).</summary>
    private void WriteExit(CompiledNode node)
    {
        if (!Plan.Live[node.Id] || node.Op != nameof(LoopExit)) return;
        _writer.Line($"// {node.Text}: {Plan.Graph.ShapeOf(node.Output)}");
        _writer.Line(Copy(Value(node.Output), "0", Value(node.Inputs[0]), "0", Count(node.Output)));
    }

    /// <summary>A carried variable at the start of a step: its value before the loop at the first step, the previous step's after.</summary>
    private void WriteState(CompiledNode node, LoopPlan loopPlan)
    {
        CompiledLoop loop = loopPlan.Loop;
        CompiledCarry? carry = loop.Carried.FirstOrDefault(c => c.State == node.Output);
        string length = Count(node.Output);
        _writer.Line($"// {node.Text} at the start of step {Step}: {Plan.Graph.TextOf(node.Inputs[0])} at the first, the previous step's after: {Plan.Graph.ShapeOf(node.Output)}");
        if (carry is null || !Plan.Live[Plan.Graph.Values[carry.Out].Node])
        {
            _writer.Line(Copy(Value(node.Output), "0", Value(node.Inputs[0]), "0", length));
            return;
        }
        _writer.Line($"if ({Step} == {loop.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)}) " + Copy(Value(node.Output), "0", Value(node.Inputs[0]), "0", length));
        _writer.Line("else " + Copy(Value(node.Output), "0", Value(carry.Out), "0", length));
    }

    /// <summary><c>x[t]</c>: the slice of the current step.</summary>
    private void WriteStepSelect(CompiledNode node)
    {
        string inner = Count(node.Output);
        _writer.Line($"// {node.Text}: {Plan.Graph.ShapeOf(node.Output)} <- {Plan.Graph.ShapeOf(node.Inputs[0])}");
        _writer.Line(Call("CopyRows", Value(node.Output), "0", inner, Value(node.Inputs[0]), $"{Step} * {Parenthesized(inner)}", inner, inner, "1", "accumulate: false"));
        if (_finiteSwitch is not null) WriteFiniteCheck(node);
    }

    /// <summary>Before the reversed loop: the initial parts of collected results and the gradients the steps add to; then the loop
    /// opens and its head restores the step's buffers and sets the carried values' gradients.</summary>
    private void OpenBackwardLoop(LoopPlan loopPlan)
    {
        CompiledLoop loop = loopPlan.Loop;
        _writer.Line($"// {loop.Header}: backward through time, the last step first");
        // In the order the plan decided which write is the first: the backward's, last node first.
        foreach (CompiledNode collect in Collects(loop).Reverse())
        {
            if (!Plan.ReceivesGradient[collect.Output] || !Plan.ReceivesGradient[collect.Inputs[0]]) continue;
            Layout layout = Layout.Of(Plan.Graph, collect);
            bool accumulate = Plan.Accumulates(collect.Id, 0);
            _writer.Line($"// d({Plan.Graph.TextOf(collect.Inputs[0])}) {(accumulate ? "+=" : "=")} its part of d({Plan.Graph.TextOf(collect.Output)})");
            _writer.Line(GradientWrite(collect.Inputs[0], Call("CopyRows", Gradient(collect.Inputs[0]), "0", Size(layout.InitialRow), Gradient(collect.Output), "0",
                Size(layout.OutputRow), Size(layout.InitialRow), Size(layout.Rows), "accumulate: " + (accumulate ? "true" : "false"))));
        }
        if (loopPlan.FilledGradients.Count + loopPlan.FilledParameters.Count > 0)
            _writer.Line("// gradients every step adds to, zeroed once");
        foreach (int value in loopPlan.FilledGradients)
            _writer.Line(GradientWrite(value, Call("Fill", Gradient(value), "0f", "0", Count(value))));
        foreach (int index in loopPlan.FilledParameters)
        {
            ParameterInfo parameter = Plan.Graph.Parameters[index];
            _writer.Line(Call("Fill", BufferPlan.ParameterGradientName(parameter), "0f", "0", Sizes.Count(parameter.Shape, _batch)));
        }
        string last = loop.IsSeq ? $"{Sizes.Seq} - 1" : Sizes.Literal(loop.Start + (long)loop.Count - 1);
        _writer.Line($"for (int {Step} = {last}; {Step} >= {loop.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)}; {Step}--)");
        _writer.Line("{");
        _writer.Indent();
        _printer.LoopVariable = Step;
        if (loopPlan.Saves.Count + loopPlan.WorkspaceSaves.Count > 0)
        {
            _writer.Line("// the step's values, as its forward left them");
            foreach (LoopSave save in loopPlan.Saves)
            {
                string length = Sizes.Format(save.StaticElements, save.DynamicDims, _batch, save.SeqDims);
                _writer.Line(Copy(save.Buffer, "0", save.Steps, StepOffset(loop, length), length));
            }
            foreach ((string workspace, string steps) in loopPlan.WorkspaceSaves)
                _writer.Line(Copy(workspace, "0", steps, StepOffset(loop, workspace + ".Length"), workspace + ".Length"));
        }
        // Two carried locals may end a step as the same value (g = h;): the second adds to the gradient the first set.
        var set = new HashSet<string>();
        foreach (CompiledCarry carry in loop.Carried)
        {
            if (!Plan.ReceivesGradient[carry.Out]) continue;
            string length = Count(carry.Out);
            string output = Gradient(carry.Out);
            bool adds = !set.Add(output);
            _writer.Line($"// d({carry.Name}) at the end of the step {(adds ? "+=" : "=")} from after the loop at the last step, from the next step's start before it");
            string zero = adds ? "{ }" : Call("Fill", output, "0f", "0", length);
            string atLast = Plan.Live[Plan.Graph.Values[carry.Exit].Node] && Plan.ReceivesGradient[carry.Exit]
                ? Copy(output, "0", Gradient(carry.Exit), "0", length, adds)
                : zero;
            string before = Plan.ReceivesGradient[carry.State] ? Copy(output, "0", Gradient(carry.State), "0", length, adds) : zero;
            _writer.Line($"if ({Step} == {last}) {atLast}");
            _writer.Line($"else {before}");
        }
        foreach (CompiledNode collect in Collects(loop).Reverse())
        {
            if (!Plan.ReceivesGradient[collect.Output] || !Plan.ReceivesGradient[collect.Inputs[1]]) continue;
            Layout layout = Layout.Of(Plan.Graph, collect);
            bool accumulate = Plan.Accumulates(collect.Id, 1);
            _writer.Line($"// d({Plan.Graph.TextOf(collect.Inputs[1])}) {(accumulate ? "+=" : "=")} the step's slice of d({Plan.Graph.TextOf(collect.Output)})");
            _writer.Line(Call("CopyRows", Gradient(collect.Inputs[1]), "0", Size(layout.PieceRow), Gradient(collect.Output), PieceOffset(loop, layout),
                Size(layout.OutputRow), Size(layout.PieceRow), Size(layout.Rows), "accumulate: " + (accumulate ? "true" : "false")));
        }
    }

    /// <summary>A carried variable's gradient at the start of the first step is its initial value's.</summary>
    private void WriteStateBackward(CompiledNode node, LoopPlan loopPlan)
    {
        int initial = node.Inputs[0];
        if (!Plan.ReceivesGradient[initial]) return;
        bool accumulate = Plan.Accumulates(node.Id, 0);
        _writer.Line($"// d({Plan.Graph.TextOf(initial)}) {(accumulate ? "+=" : "=")} d({node.Text}) at the first step");
        _writer.Line(GradientWrite(initial, Copy(Gradient(initial), "0", Gradient(node.Output), "0", Count(node.Output), accumulate),
            $"{Step} == {loopPlan.Loop.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    /// <summary><c>d(x)[t] += d(x[t])</c> (the whole of d(x) was zeroed before the loop, or written before it).</summary>
    private void WriteStepSelectBackward(CompiledNode node)
    {
        int x = node.Inputs[0];
        if (!Plan.ReceivesGradient[x]) return;
        string inner = Count(node.Output);
        _writer.Line($"// d({Plan.Graph.TextOf(x)})[{Step}] += d({node.Text}): {Plan.Graph.ShapeOf(node.Output)}");
        _writer.Line(GradientWrite(x, Call("CopyRows", Gradient(x), $"{Step} * {Parenthesized(inner)}", inner, Gradient(node.Output), "0", inner, inner, "1",
            "accumulate: " + (Plan.Accumulates(node.Id, 0) ? "true" : "false"))));
    }

    private IEnumerable<CompiledNode> Collects(CompiledLoop loop) =>
        Enumerable.Range(loop.LastNode + 1, loop.EndNode - loop.LastNode).Select(id => Plan.Graph.Nodes[id])
            .Where(n => Plan.Live[n.Id] && n.Op == nameof(LoopCollect));

    /// <summary>Where step t's piece goes in a collected result's rows: after the initial part and the earlier steps' pieces.</summary>
    private string PieceOffset(CompiledLoop loop, Layout layout)
    {
        string steps = loop.Start == 0 ? Step : $"({Step} - {loop.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
        string initial = Size(layout.InitialRow);
        return initial == "0" ? $"{steps} * {Parenthesized(Size(layout.PieceRow))}" : $"{initial} + {steps} * {Parenthesized(Size(layout.PieceRow))}";
    }

    /// <summary>A collected result [..., initial + steps·piece, ...] along <see cref="Axis"/> as rows: <see cref="Rows"/> rows of
    /// <see cref="OutputRow"/> floats, the initial part <see cref="InitialRow"/> of each, a step's piece <see cref="PieceRow"/>.</summary>
    private sealed record Layout(int Axis, string Initial, SizeExpr Rows, SizeExpr OutputRow, SizeExpr InitialRow, SizeExpr PieceRow)
    {
        public static Layout Of(CompiledGraph graph, CompiledNode collect)
        {
            int axis = ((LoopArgs)collect.Args).Axis;
            Shape output = graph.ShapeOf(collect.Output), initial = graph.ShapeOf(collect.Inputs[0]), piece = graph.ShapeOf(collect.Inputs[1]);
            return new Layout(axis, initial[axis].Size.ToString(System.Globalization.CultureInfo.InvariantCulture), SizeExpr.Product(output.Dims.Take(axis)),
                SizeExpr.Product(output.Dims.Skip(axis)), SizeExpr.Product(initial.Dims.Skip(axis)), SizeExpr.Product(piece.Dims.Skip(axis)));
        }
    }

    /// <summary>The backward half of anomaly detection: after a node's backward calls, every gradient they wrote — its operands'
    /// (an input's only when input gradients are on) and its layer's parameters' — is checked, so the first check that fails
    /// names the backward of the op that first produced a NaN or an infinity, in the order the backward pass runs.</summary>
    private void WriteGradientFiniteCheck(CompiledNode node)
    {
        var seen = new HashSet<int>();
        foreach (int input in node.Inputs)
        {
            if (!seen.Add(input) || !Plan.ReceivesGradient[input] || Plan.GradientName[input] is not { } gradient) continue;
            string condition = Plan.HoldsInputGradient(input) && _inputGradientSwitch is not null ? $"{_finiteSwitch} && {_inputGradientSwitch}" : _finiteSwitch!;
            string length = Sizes.Count(Plan.Graph.ShapeOf(input), _batch);
            string producer = $"d({Plan.Graph.Values[input].Text}) in the backward of {node.Text}";
            _writer.Line($"if ({condition}) RequireFinite({gradient}, {length}, {EmitHelpers.StringLiteral(producer)});");
        }
        foreach (int index in node.Parameters)
        {
            ParameterInfo parameter = Plan.Graph.Parameters[index];
            string producer = $"d({parameter.Name}) in the backward of {node.Text}";
            _writer.Line($"if ({_finiteSwitch}) RequireFinite({BufferPlan.ParameterGradientName(parameter)}, {Sizes.Count(parameter.Shape, _batch)}, {EmitHelpers.StringLiteral(producer)});");
        }
    }

    /// <summary>Prints one node's statements; its first call must come with a shape comment.</summary>
    private void Print(List<CallStatement> statements, CompiledNode node)
    {
        if (statements.Count > 0 && statements[0].Call is not null && statements[0].Comment is null)
            _failures.Add($"the calls of {node.Text} have no shape comment");
        foreach (CallStatement statement in statements) _printer.Print(statement);
    }
}
