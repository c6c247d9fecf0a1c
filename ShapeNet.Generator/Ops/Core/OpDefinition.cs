using System.Collections.Generic;
using System;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>
/// Everything the generator knows about one op, in one type (one file): its DSL surface (<see cref="Calls"/>), its shape
/// rule, how gradients flow through it, what it needs from the planner, its forward and backward backend calls (as call
/// records that <see cref="CallPrinter"/> writes) and its FLOPs. Parsing, shape inference, planning, the summary and
/// emission all dispatch through the definition found by name in <see cref="OpRegistry"/>, so adding an op is adding one
/// subclass, and a member it does not implement is a compile error of the generator, never a silent default.
/// Definitions are stateless singletons; everything per node comes in through the arguments and contexts.
/// </summary>
internal abstract class OpDefinition
{
    /// <summary>The canonical name: the compiled node's op, the summary's Op column and the registry key.</summary>
    public abstract string Name { get; }

    /// <summary>The calls a forward body may write to make this op (several for overloads and aliases such as
    /// <c>Flatten</c> and <c>Reshape</c>); empty for ops made otherwise (operators, the inputs, layers).</summary>
    public abstract IReadOnlyList<DslCall> Calls { get; }

    internal abstract OpResult InferNode(OpArgs args, ShapeContext context);

    internal abstract Differentiation DifferentiationOf(OpArgs args);

    internal abstract void PlanNode(OpArgs args, PlanContext context);

    internal abstract void WriteForward(OpArgs args, ForwardContext context);

    internal abstract void WriteBackward(OpArgs args, BackwardContext context);

    internal abstract long FlopsOf(OpArgs args, NodeInfo node);

    internal abstract void WriteOnnx(OpArgs args, OnnxContext context);

    /// <summary>Whether operand <paramref name="operand"/> holds integers (token ids, lengths). Every other operand is a float
    /// tensor; shape inference reports an integer tensor where floats belong and the reverse (SN0122, SN0123) before the
    /// shape rule runs, so rules never see the wrong kind.</summary>
    internal virtual bool IntegerOperand(OpArgs args, int operand) => false;

    /// <summary>Whether the node may have the run-time <c>Seq</c> dimension in its operand or output shapes: true for ops whose
    /// calls take only element and row counts (which carry the sequence length as a variable) or shape arrays (set per pass).
    /// Any other op given <c>Seq</c> is SN0015, so no op ever prints a size it cannot compute.</summary>
    internal virtual bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => false;

    /// <summary>What an integer operand is, for SN0122 (<c>ids</c>, <c>lengths</c>).</summary>
    internal virtual string IntegerOperandName(OpArgs args, int operand) => "ids";

    public override string ToString() => Name;
}

/// <summary>An op definition over its own argument record <typeparamref name="TArgs"/>: implement the seven stages.</summary>
internal abstract class OpDefinition<TArgs> : OpDefinition where TArgs : OpArgs
{
    /// <summary>The shape rule: checks the operands (reporting the first problem through <paramref name="c"/>) and returns
    /// the output shapes with the arguments normalised (axes non-negative, strides filled).</summary>
    protected abstract OpResult Infer(TArgs args, ShapeContext c);

    /// <summary>How gradients flow: to which operands (a loss target is data), whether the output aliases its operand
    /// (<c>Reshape</c>), stops the gradient (<c>Detach</c>), or has outputs that carry none (<c>TopK</c>'s indices).</summary>
    protected abstract Differentiation Gradient(TArgs args);

    /// <summary>What the node needs from the buffer plan besides its output values: auxiliary buffers the backward reads
    /// (max-pooling indices, a dropout mask), constant shape arrays, a shared workspace, the plan's dropout seed.</summary>
    protected abstract void Plan(TArgs args, PlanContext p);

    /// <summary>The forward pass: a comment with the shapes and the backend call(s) that write the outputs.</summary>
    protected abstract void Forward(TArgs args, ForwardContext f);

    /// <summary>The backward pass: from the gradients of the outputs, the calls that write (<c>accumulate: false</c>) or add to
    /// (<c>true</c>) the gradients of the operands and parameters that receive one. Called only when some operand or
    /// parameter receives a gradient; operands that do not are skipped (<see cref="BackwardContext.Receives"/>).</summary>
    protected abstract void Backward(TArgs args, BackwardContext b);

    /// <summary>Forward FLOPs per sample (the summary's last column).</summary>
    protected abstract long Flops(TArgs args, NodeInfo n);

    /// <summary>The op in ONNX, in inference mode: the standard nodes that compute its outputs from its operands (and the
    /// layer's parameters and buffers, as initializers under their PyTorch names). An op ONNX cannot express calls
    /// <see cref="OnnxContext.Unsupported"/>, so the export fails naming it instead of writing a wrong file.</summary>
    protected abstract void Onnx(TArgs args, OnnxContext o);

    internal sealed override OpResult InferNode(OpArgs args, ShapeContext context) => Infer(Typed(args), context);

    internal sealed override Differentiation DifferentiationOf(OpArgs args) => Gradient(Typed(args));

    internal sealed override void PlanNode(OpArgs args, PlanContext context) => Plan(Typed(args), context);

    internal sealed override void WriteForward(OpArgs args, ForwardContext context) => Forward(Typed(args), context);

    internal sealed override void WriteBackward(OpArgs args, BackwardContext context) => Backward(Typed(args), context);

    internal sealed override long FlopsOf(OpArgs args, NodeInfo node) => Flops(Typed(args), node);

    internal sealed override void WriteOnnx(OpArgs args, OnnxContext context) => Onnx(Typed(args), context);

    private TArgs Typed(OpArgs args) => args as TArgs
        ?? throw new InvalidOperationException($"{Name} was given {args.GetType().Name}, but its arguments are {typeof(TArgs).Name}");
}

/// <summary>How gradients flow through a node.</summary>
internal enum GradientKind
{
    /// <summary>An input of the graph: its gradient is a result, nothing flows further.</summary>
    Leaf,
    /// <summary>Output 0 is operand 0's data under another shape (<c>Reshape</c>): the same value and gradient buffers, no code.</summary>
    Alias,
    /// <summary>Output 0 is operand 0's data cut from the gradient (<c>Detach</c>): the same value buffer, nothing flows back.</summary>
    Stop,
    /// <summary>The op's backward calls write the gradients of <see cref="Differentiation.Operands"/>.</summary>
    Rule,
    /// <summary>No gradient flows through the op at all (its outputs are integers or constants of the inputs).</summary>
    None,
}

/// <summary>How gradients flow through one node: its kind, the operands a <see cref="GradientKind.Rule"/> differentiates
/// (the others are data, like a loss's target), and the outputs that carry no gradient (integer indices).</summary>
internal sealed class Differentiation
{
    private Differentiation(GradientKind kind, IReadOnlyList<int>? operands, IReadOnlyList<int> constantOutputs, string dataOperands)
    {
        Kind = kind;
        Operands = operands;
        ConstantOutputs = constantOutputs;
        DataOperands = dataOperands;
    }

    public static readonly Differentiation Leaf = new(GradientKind.Leaf, Array.Empty<int>(), Array.Empty<int>(), string.Empty);

    public static readonly Differentiation Alias = new(GradientKind.Alias, new[] { 0 }, Array.Empty<int>(), string.Empty);

    public static readonly Differentiation Stop = new(GradientKind.Stop, Array.Empty<int>(), Array.Empty<int>(), string.Empty);

    public static readonly Differentiation None = new(GradientKind.None, Array.Empty<int>(), Array.Empty<int>(), string.Empty);

    /// <summary>A backward rule for every operand.</summary>
    public static readonly Differentiation AllOperands = new(GradientKind.Rule, null, Array.Empty<int>(), string.Empty);

    /// <summary>A backward rule for <paramref name="operands"/> only; the others are data (<paramref name="dataOperands"/> names
    /// them in SN0901 when one depends on parameters: "the target").</summary>
    public static Differentiation Only(string dataOperands, params int[] operands) => new(GradientKind.Rule, operands, Array.Empty<int>(), dataOperands);

    /// <summary>This rule, with <paramref name="outputs"/> carrying no gradient (integer results such as indices).</summary>
    public Differentiation WithConstantOutputs(params int[] outputs) => new(Kind, Operands, outputs, DataOperands);

    public GradientKind Kind { get; }

    /// <summary>The differentiated operands; null means all of them.</summary>
    public IReadOnlyList<int>? Operands { get; }

    /// <summary>Outputs that carry no gradient.</summary>
    public IReadOnlyList<int> ConstantOutputs { get; }

    /// <summary>What the non-differentiated operands are, for messages.</summary>
    public string DataOperands { get; }

    /// <summary>The operands a gradient flows to, in the order their contributions are written.</summary>
    public IEnumerable<int> DifferentiatedOperands(int operandCount)
    {
        switch (Kind)
        {
            case GradientKind.Alias:
                yield return 0;
                break;
            case GradientKind.Rule:
                if (Operands is null)
                    for (int i = 0; i < operandCount; i++) yield return i;
                else
                    foreach (int i in Operands) yield return i;
                break;
        }
    }

    public bool IsConstantOutput(int output)
    {
        foreach (int o in ConstantOutputs) if (o == output) return true;
        return false;
    }
}
