using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Emit;

/// <summary>The names a printed pass uses besides buffers: the network plan's training flag, dropout seed and step.</summary>
internal sealed record PassVariables(string Training, string DropoutSeed, string DropoutStep);

/// <summary>
/// The one printer of call records: every backend call of every op's forward and backward goes through
/// <see cref="Print"/>. It names buffers as the <see cref="BufferPlan"/> does (plan fields or function locals), writes the
/// sizes with the pass's batch variable, guards a call whose only output is an input's gradient with the input-gradient
/// switch. Problems (a buffer the plan lacks) become failures, reported as SN0900.
/// </summary>
internal sealed class CallPrinter
{
    private readonly IndentedWriter _writer;
    private readonly List<string> _failures;

    /// <param name="inputGradientSwitch">A bool expression that enables writing gradients w.r.t. the inputs (a plan computes
    /// them on request only), or null to always write them.</param>
    /// <param name="variables">The network plan's pass variables; null where there are none (differentiable functions).</param>
    /// <param name="seq">The C# variable of the run-time sequence length (the pass's <c>seq</c>, or the sequence capacity).</param>
    public CallPrinter(BufferPlan plan, IndentedWriter writer, string backend, string batch, string? inputGradientSwitch,
        PassVariables? variables, List<string> failures, string seq = Sizes.Seq)
    {
        Plan = plan;
        _writer = writer;
        Backend = backend;
        Batch = batch;
        Seq = seq;
        InputGradientSwitch = inputGradientSwitch;
        Variables = variables;
        _failures = failures;
    }

    public BufferPlan Plan { get; }

    public string Backend { get; }

    /// <summary>The C# variable holding the current batch size.</summary>
    public string Batch { get; }

    /// <summary>The C# variable holding the current run-time sequence length.</summary>
    public string Seq { get; }

    public string? InputGradientSwitch { get; }

    public PassVariables? Variables { get; }

    /// <summary>The counter of the loop region being printed, or null: a dropout inside it draws a new mask at every step.</summary>
    public string? LoopVariable { get; set; }

    public void Print(CallStatement statement)
    {
        if (statement.Comment is not null) _writer.Line("// " + statement.Comment);
        if (statement.Call is null) return;
        string call = Call(statement.Call) + ";";
        string trailing = statement.TrailingComment is null ? string.Empty : " // " + statement.TrailingComment;
        if (statement.Guard == CallGuard.Training)
        {
            _writer.Line($"if ({Variable(PlanVariable.Training, 0)}) {call}{trailing}");
            if (statement.Otherwise is not null) _writer.Line($"else {Call(statement.Otherwise)};");
        }
        else if (statement.GradientOf >= 0 && InputGradientSwitch is not null && Plan.HoldsInputGradient(statement.GradientOf))
        {
            _writer.Line($"if ({InputGradientSwitch}) {call}{trailing}");
        }
        else
        {
            _writer.Line(call + trailing);
        }
    }

    /// <summary><c>Backend.Method(arguments)</c>; a method given as <c>global::…</c> is a static call written as is.</summary>
    public string Call(BackendCall call)
    {
        string target = call.Method.StartsWith("global::", System.StringComparison.Ordinal) ? call.Method : Backend + "." + call.Method;
        return target + "(" + string.Join(", ", call.Arguments.Select(Argument)) + ")";
    }

    public string Argument(CallArg argument) => argument switch
    {
        BufferArg b => Buffer(b.Buffer),
        SizeArgument s => s.Size.Format(Batch, Seq),
        CodeArg c => c.CSharp,
        SizeProductArg p => p.Right == SizeExpr.Of(1) ? p.Left.Format(Batch, Seq) : p.Left.Format(Batch, Seq) + " * " + p.Right.Format(Batch, Seq),
        NamedArg n => n.Name + ": " + Argument(n.Value),
        ArrayArg a => Plan.Array(a.Node, a.Role)?.Name ?? Missing($"no constant array {a.Role} for node {a.Node}"),
        PlanVariableArg v => Variable(v.Variable, v.Salt),
        DescriptorArg d => "in " + Plan.Descriptor(d.Type, string.Join(", ", d.Arguments.Select(a => ConstantArgument(a, d))), d.Comment, d.Batch),
        _ => Missing("an unknown call argument " + argument.GetType().Name),
    };

    /// <summary>A descriptor argument: a constant (a size with the batch in it cannot be one).</summary>
    private string ConstantArgument(CallArg argument, DescriptorArg descriptor) => argument switch
    {
        SizeArgument { Size.IsRunTime: true } => Missing($"a {descriptor.Type} of {descriptor.Comment} needs constant sizes, not one with the batch"),
        SizeProductArg { Left.IsRunTime: true } or SizeProductArg { Right.IsRunTime: true } =>
            Missing($"a {descriptor.Type} of {descriptor.Comment} needs constant sizes, not one with the batch"),
        BufferArg or ArrayArg or PlanVariableArg or DescriptorArg => Missing($"a {descriptor.Type} of {descriptor.Comment} takes constants only"),
        _ => Argument(argument),
    };

    private string Buffer(BufferRef b)
    {
        switch (b.Kind)
        {
            case BufferKind.None:
                return "null";
            case BufferKind.Value:
                return Plan.ValueName[b.Index] ?? Missing($"no value buffer for {Plan.Graph.TextOf(b.Index)}");
            case BufferKind.Gradient:
                string gradient = Plan.GradientName[b.Index] ?? Missing($"no gradient buffer for {Plan.Graph.TextOf(b.Index)}");
                return b.UnlessInputGradientsOff && InputGradientSwitch is not null && Plan.HoldsInputGradient(b.Index)
                    ? $"{InputGradientSwitch} ? {gradient} : null"
                    : gradient;
            case BufferKind.Parameter:
                return BufferPlan.ParameterValueName(Plan.Graph.Parameters[b.Index]);
            case BufferKind.ParameterGradient:
                return BufferPlan.ParameterGradientName(Plan.Graph.Parameters[b.Index]);
            case BufferKind.ModuleBuffer:
                return BufferPlan.ModuleBufferName(Plan.Graph.Buffers[b.Index]);
            case BufferKind.Auxiliary:
                return Plan.Auxiliary(b.Index, b.Role) ?? Missing($"no {b.Role} buffer for {Plan.Graph.Nodes[b.Index].Text}");
            case BufferKind.Workspace:
                return Plan.WorkspaceField(b.Role) ?? Missing($"no workspace {b.Role}");
            default:
                return Missing("an unknown buffer kind " + b.Kind);
        }
    }

    private string Variable(PlanVariable variable, ulong salt)
    {
        if (Variables is null) return Missing($"the plan variable {variable} outside a network plan");
        return variable switch
        {
            PlanVariable.Training => Variables.Training,
            PlanVariable.DropoutSeed => LoopVariable is null
                ? $"unchecked({Variables.DropoutSeed} + 0x{salt:X16}UL)"
                : $"unchecked({Variables.DropoutSeed} + 0x{salt:X16}UL + (ulong){LoopVariable} * 0x9E3779B97F4A7C15UL)",
            _ => Variables.DropoutStep,
        };
    }

    private string Missing(string message)
    {
        _failures.Add(message);
        return "null!";
    }
}
