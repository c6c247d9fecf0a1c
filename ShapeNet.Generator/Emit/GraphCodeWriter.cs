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
            if (!Plan.Live[node.Id] || Plan.FusedActivationOf[node.Id] >= 0) continue;
            CompiledNode writer = Plan.FusedInto[node.Id] >= 0 ? Plan.Graph.Nodes[Plan.FusedInto[node.Id]] : node;
            CompiledNode? activation = writer == node ? null : node;
            OpDefinition? op = OpRegistry.Find(writer.Op);
            if (op is null)
            {
                _failures.Add($"no forward code for the op {writer.Op} ({writer.Text})");
                continue;
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
        for (int id = Plan.Graph.LastNode; id >= 0; id--)
        {
            CompiledNode node = Plan.Graph.Nodes[id];
            if (!Plan.Live[id] || !node.Outputs.Any(o => Plan.ReceivesGradient[o])) continue;
            OpDefinition? op = OpRegistry.Find(node.Op);
            if (op?.DifferentiationOf(node.Args).Kind != GradientKind.Rule) continue;
            var statements = new List<CallStatement>();
            op.WriteBackward(node.Args, new BackwardContext(Plan, node, statements, _failures));
            Print(statements, node);
            if (_finiteSwitch is not null) WriteGradientFiniteCheck(node);
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
