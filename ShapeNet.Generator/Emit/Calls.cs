using System.Collections.Generic;
using System.Globalization;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Emit;

// Call records: what an op definition's Forward and Backward produce, and the only thing CallPrinter prints. They say
// which backend method is called with which buffers (by role, not by name), sizes (with the batch still symbolic) and
// constants, so the printer can name buffers for a plan (fields) or a function (locals), and a later pass (fusion of
// element-wise chains, a finite check after each op) can read and rewrite them before they are printed.

/// <summary>An element count: a constant times the batch once per dynamic dimension and the run-time sequence length once per
/// <c>Seq</c> dimension (<c>batch * 784</c>, <c>seq * batch * 16</c>).</summary>
internal readonly record struct SizeExpr(long Constant, int DynamicDims, int SeqDims = 0)
{
    public static SizeExpr Of(long constant) => new(constant, 0);

    /// <summary>The product of <paramref name="dims"/> (dynamic dims become the batch, <c>Seq</c> the sequence length).</summary>
    public static SizeExpr Product(IEnumerable<Dim> dims)
    {
        long constant = 1;
        int dynamic = 0, sequence = 0;
        foreach (Dim d in dims)
        {
            dynamic += d.BatchFactors;
            sequence += d.SeqFactors;
            constant = checked(constant * d.StaticFactor);
        }
        return new SizeExpr(constant, dynamic, sequence);
    }

    /// <summary>Whether the count depends on a run-time size (the batch or the sequence length).</summary>
    public bool IsRunTime => DynamicDims > 0 || SeqDims > 0;

    public static SizeExpr operator *(SizeExpr a, SizeExpr b) =>
        new(checked(a.Constant * b.Constant), a.DynamicDims + b.DynamicDims, a.SeqDims + b.SeqDims);

    /// <summary>The C# expression with <paramref name="batch"/> for the dynamic dims and <paramref name="seq"/> for <c>Seq</c>.</summary>
    public string Format(string batch, string seq = Sizes.Seq) => Sizes.Format(Constant, DynamicDims, batch, SeqDims, seq);
}

/// <summary>What a buffer argument refers to; the printer turns it into the plan's field or the function's local.</summary>
internal enum BufferKind
{
    /// <summary>No buffer: <c>null</c>.</summary>
    None,
    /// <summary>The value of graph value <see cref="BufferRef.Index"/>.</summary>
    Value,
    /// <summary>The gradient of graph value <see cref="BufferRef.Index"/>.</summary>
    Gradient,
    /// <summary>Parameter <see cref="BufferRef.Index"/>'s value.</summary>
    Parameter,
    /// <summary>Parameter <see cref="BufferRef.Index"/>'s gradient.</summary>
    ParameterGradient,
    /// <summary>Module buffer <see cref="BufferRef.Index"/> (a running statistic).</summary>
    ModuleBuffer,
    /// <summary>Auxiliary buffer <see cref="BufferRef.Role"/> of node <see cref="BufferRef.Index"/> (indices, mask, …).</summary>
    Auxiliary,
    /// <summary>The shared workspace named <see cref="BufferRef.Role"/>.</summary>
    Workspace,
}

/// <summary>A buffer argument by role. <see cref="UnlessInputGradientsOff"/> marks the gradient of an operand in a call that
/// also writes other outputs: the printer passes <c>null</c> for it when it is an input's gradient and input gradients are
/// switched off.</summary>
internal readonly record struct BufferRef(BufferKind Kind, int Index, string Role, bool UnlessInputGradientsOff = false)
{
    public static readonly BufferRef Null = new(BufferKind.None, -1, string.Empty);

    public static BufferRef Value(int value) => new(BufferKind.Value, value, string.Empty);

    public static BufferRef Gradient(int value) => new(BufferKind.Gradient, value, string.Empty);

    public static BufferRef Parameter(int index) => new(BufferKind.Parameter, index, string.Empty);

    public static BufferRef ParameterGradient(int index) => new(BufferKind.ParameterGradient, index, string.Empty);

    public static BufferRef ModuleBuffer(int index) => new(BufferKind.ModuleBuffer, index, string.Empty);

    public static BufferRef Auxiliary(int node, string role) => new(BufferKind.Auxiliary, node, role);

    public static BufferRef Workspace(string name) => new(BufferKind.Workspace, -1, name);
}

/// <summary>One argument of a backend call.</summary>
internal abstract record CallArg
{
    public static implicit operator CallArg(BufferRef buffer) => new BufferArg(buffer);

    public static implicit operator CallArg(SizeExpr size) => new SizeArgument(size);

    /// <summary>A C# literal or expression written as is (<c>2</c>, <c>0.5f</c>, <c>true</c>, <c>global::ShapeNet.Backends.UnaryOp.Relu</c>).</summary>
    public static CallArg Code(string csharp) => new CodeArg(csharp);

    public static CallArg Int(long value) => new CodeArg(value.ToString(CultureInfo.InvariantCulture));

    public static CallArg Float(double value) => new CodeArg(Sizes.Float(value));

    public static CallArg Bool(bool value) => new CodeArg(value ? "true" : "false");

    /// <summary><c>global::ShapeNet.Backends.{type}.{member}</c>.</summary>
    public static CallArg Enum(string type, string member) => new CodeArg("global::ShapeNet.Backends." + type + "." + member);

    /// <summary><c>name: value</c>.</summary>
    public static CallArg Named(string name, CallArg value) => new NamedArg(name, value);

    public static readonly CallArg Null = new BufferArg(BufferRef.Null);

    /// <summary>An op descriptor <c>global::ShapeNet.Backends.{type}</c> built from constant <paramref name="arguments"/>, passed as
    /// <c>in _name</c>: created once (a plan field, a function local), shared by equal descriptors, and prepared once with the
    /// capacity of <paramref name="batch"/> (the batch or rows the call passes beside it).</summary>
    public static CallArg Descriptor(string type, string comment, SizeExpr batch, params CallArg[] arguments) =>
        new DescriptorArg(type, arguments.ToEquatableArray(), comment, batch);

    /// <summary>A descriptor no call passes a batch with and the plan does not prepare (a recurrent stack's: it is bound with
    /// <c>Recurrent_Bind</c> instead).</summary>
    public static CallArg Descriptor(string type, string comment, params CallArg[] arguments) =>
        new DescriptorArg(type, arguments.ToEquatableArray(), comment, NoBatch);

    /// <summary>The batch of a descriptor that is not prepared.</summary>
    public static readonly SizeExpr NoBatch = SizeExpr.Of(0);
}

internal sealed record BufferArg(BufferRef Buffer) : CallArg;

internal sealed record SizeArgument(SizeExpr Size) : CallArg;

internal sealed record CodeArg(string CSharp) : CallArg;

/// <summary>A product kept as its factors for the reader (<c>16 * 144</c>: 16 channels of 144 floats); just
/// <see cref="Left"/> when <see cref="Right"/> is 1.</summary>
internal sealed record SizeProductArg(SizeExpr Left, SizeExpr Right) : CallArg;

internal sealed record NamedArg(string Name, CallArg Value) : CallArg;

/// <summary>An op descriptor (<c>Conv2dDesc</c>, <c>Pool2dDesc</c>, …) of constant arguments; <see cref="Comment"/> names the op for
/// the declaration (the first of the ops sharing it); <see cref="Batch"/> is the batch (or rows) passed with it, which the
/// plan prepares the descriptor for at its capacity.</summary>
internal sealed record DescriptorArg(string Type, EquatableArray<CallArg> Arguments, string Comment, SizeExpr Batch) : CallArg;

/// <summary>Constant array <see cref="Role"/> of node <see cref="Node"/> (a shape, reduce flags, a permutation).</summary>
internal sealed record ArrayArg(int Node, string Role) : CallArg;

/// <summary>A variable of the network plan's forward pass.</summary>
internal sealed record PlanVariableArg(PlanVariable Variable, ulong Salt = 0) : CallArg;

internal enum PlanVariable
{
    /// <summary>The bool <c>training</c> of the forward pass.</summary>
    Training,
    /// <summary>The dropout seed plus a per-node constant (<see cref="PlanVariableArg.Salt"/>): <c>unchecked(DropoutSeed + 0x…UL)</c>.</summary>
    DropoutSeed,
    /// <summary>The step counter of training forward passes (dropout draws a new mask each).</summary>
    DropoutStep,
}

/// <summary>A call of a backend method with its arguments (outputs first, as the backend declares them).</summary>
internal sealed record BackendCall(string Method, EquatableArray<CallArg> Arguments);

/// <summary>When a statement runs.</summary>
internal enum CallGuard
{
    Always,
    /// <summary>In training forward passes only (<c>if (training)</c>); <see cref="CallStatement.Otherwise"/> runs in inference.</summary>
    Training,
}

/// <summary>
/// One printed statement: an optional comment line (the source text and the shapes: every call has one), the call, when it
/// runs, and what it writes. <see cref="GradientOf"/> names the value whose gradient is the call's only output: when that is
/// an input's gradient, the printer guards the call with the input-gradient switch.
/// </summary>
internal sealed record CallStatement(string? Comment, BackendCall? Call, CallGuard Guard = CallGuard.Always,
    BackendCall? Otherwise = null, string? TrailingComment = null, int GradientOf = -1);
