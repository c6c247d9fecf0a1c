using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Emit;

/// <summary>What an op definition's <c>Forward</c> and <c>Backward</c> write with: the node, its buffers by role, sizes,
/// and <see cref="Comment"/> + <see cref="Call"/> to add call records.</summary>
internal abstract class CallContext : NodeInfo
{
    private readonly List<CallStatement> _statements;
    private readonly List<string> _failures;
    private string? _comment;

    protected CallContext(BufferPlan plan, CompiledNode node, List<CallStatement> statements, List<string> failures)
        : base(plan.Graph, node)
    {
        Plan = plan;
        _statements = statements;
        _failures = failures;
    }

    public BufferPlan Plan { get; }

    /// <summary>The value of operand <paramref name="i"/>.</summary>
    public BufferRef Input(int i) => BufferRef.Value(InputValue(i));

    /// <summary>The value of output <paramref name="j"/>.</summary>
    public BufferRef Output(int j) => BufferRef.Value(OutputValue(j));

    public BufferRef Parameter(string name) => ParameterIndex(name) is var p and >= 0 ? BufferRef.Parameter(p) : Missing($"no parameter {name} of {Text}");

    /// <summary>The parameter, or <c>null</c> when the layer has none of that name (a bias switched off).</summary>
    public BufferRef OptionalParameter(string name) => ParameterIndex(name) is var p and >= 0 ? BufferRef.Parameter(p) : BufferRef.Null;

    public BufferRef ParameterGradient(string name) =>
        ParameterIndex(name) is var p and >= 0 ? BufferRef.ParameterGradient(p) : Missing($"no parameter {name} of {Text}");

    public BufferRef OptionalParameterGradient(string name) => ParameterIndex(name) is var p and >= 0 ? BufferRef.ParameterGradient(p) : BufferRef.Null;

    public BufferRef ModuleBuffer(string name) =>
        ModuleBufferIndex(name) is var b and >= 0 ? BufferRef.ModuleBuffer(b) : Missing($"no buffer {name} of {Text}");

    /// <summary>This node's auxiliary buffer <paramref name="role"/> (requested in its <c>Plan</c>).</summary>
    public BufferRef Auxiliary(string role) => BufferRef.Auxiliary(Id, role);

    public BufferRef Workspace(string name) => BufferRef.Workspace(name);

    /// <summary><c>UnaryOp.Relu</c> (…) when this layer's kernel applies its consumer's activation, else <c>UnaryOp.Identity</c>;
    /// the same in the forward and the backward, so both share one descriptor.</summary>
    public CallArg FusedActivation => Plan.FusedActivation(Id);

    /// <summary>This node's constant array <paramref name="role"/> (requested in its <c>Plan</c>).</summary>
    public CallArg Array(string role) => new ArrayArg(Id, role);

    /// <summary>All elements of <paramref name="shape"/>.</summary>
    public static SizeExpr Count(Shape shape) => SizeExpr.Product(shape.Dims);

    /// <summary>The product of all dims but the last (1 for a scalar).</summary>
    public static SizeExpr Rows(Shape shape) => shape.Rank == 0 ? SizeExpr.Of(1) : Range(shape, 0, shape.Rank - 1);

    /// <summary>The last dim (1 for a scalar).</summary>
    public static SizeExpr Last(Shape shape) => shape.Rank == 0 ? SizeExpr.Of(1) : Range(shape, shape.Rank - 1, shape.Rank);

    /// <summary>Dims <c>[from, to)</c> of <paramref name="shape"/> multiplied.</summary>
    public static SizeExpr Range(Shape shape, int from, int to) => SizeExpr.Product(shape.Dims.Skip(from).Take(to - from));

    /// <summary>The comment line of the next call (source text and shapes).</summary>
    public void Comment(string text) => _comment = text;

    public void Call(string method, params CallArg[] arguments) => Add(new CallStatement(TakeComment(), new BackendCall(method, arguments.ToEquatableArray())));

    /// <summary>A statement with a guard or a second branch (<see cref="CallStatement"/>).</summary>
    public void Add(CallStatement statement) => _statements.Add(statement.Comment is null && _comment is not null ? statement with { Comment = TakeComment() } : statement);

    /// <summary>Flushes a comment that no call follows (an alias, which costs nothing).</summary>
    public void CommentOnly(string text) => _statements.Add(new CallStatement(text, null));

    public static BackendCall Backend(string method, params CallArg[] arguments) => new(method, arguments.ToEquatableArray());

    /// <summary>Something the op cannot write (becomes SN0900).</summary>
    public void Fail(string message) => _failures.Add(message);

    protected BufferRef Missing(string message)
    {
        Fail(message);
        return BufferRef.Null;
    }

    private string? TakeComment()
    {
        string? comment = _comment;
        _comment = null;
        return comment;
    }
}

/// <summary>The forward pass of one node. For a layer whose only consumer is a fused activation, the result is the
/// activation's output and <see cref="Activation"/> its backend code.</summary>
internal sealed class ForwardContext : CallContext
{
    private readonly CompiledNode? _fusedActivation;

    public ForwardContext(BufferPlan plan, CompiledNode node, CompiledNode? fusedActivation, bool hasPlanVariables,
        List<CallStatement> statements, List<string> failures)
        : base(plan, node, statements, failures)
    {
        _fusedActivation = fusedActivation;
        HasPlanVariables = hasPlanVariables;
    }

    /// <summary><c>{text}: {shapes} &lt;- {operand shapes}</c>, the usual comment of a forward call.</summary>
    public string Header
    {
        get
        {
            string outputs = string.Join(", ", Node.Outputs.Select(o => Graph.ShapeOf(o).ToString()));
            return $"{Text}: {outputs}" + (InputCount > 0 ? " <- " + string.Join(", ", Node.Inputs.Select(i => Graph.ShapeOf(i).ToString())) : string.Empty);
        }
    }

    /// <summary>The buffer output 0 is written to: the fused activation's value when there is one.</summary>
    public BufferRef Result => _fusedActivation is null ? Output(0) : BufferRef.Value(_fusedActivation.Output);

    public string ResultText => _fusedActivation?.Text ?? Text;

    public Shape ResultShape => _fusedActivation is null ? Shape : Graph.ShapeOf(_fusedActivation.Output);

    /// <summary><c>global::ShapeNet.Backends.UnaryOp.Relu</c> for a fused activation, <c>…Identity</c> otherwise.</summary>
    public CallArg Activation => CallArg.Enum("UnaryOp", _fusedActivation is null ? "Identity"
        : (OpRegistry.Find(_fusedActivation.Op) as IActivation)?.UnaryCode ?? "Identity");

    /// <summary>Whether the pass has the network plan's variables (training flag, dropout seed): differentiable functions have none.</summary>
    public bool HasPlanVariables { get; }

    public CallArg Training => new PlanVariableArg(PlanVariable.Training);

    /// <summary>The plan's dropout seed plus a constant of this node, so each dropout draws its own mask.</summary>
    public CallArg DropoutSeed => new PlanVariableArg(PlanVariable.DropoutSeed, unchecked((ulong)(Id + 1) * 0x9E3779B97F4A7C15UL));

    public CallArg DropoutStep => new PlanVariableArg(PlanVariable.DropoutStep);
}

/// <summary>The backward pass of one node: which operands receive a gradient, whether each write is the first
/// (<c>accumulate: false</c>) or adds, and the gradient buffers.</summary>
internal sealed class BackwardContext : CallContext
{
    public BackwardContext(BufferPlan plan, CompiledNode node, List<CallStatement> statements, List<string> failures)
        : base(plan, node, statements, failures)
    {
    }

    /// <summary>Whether operand <paramref name="i"/> receives a gradient from this node.</summary>
    public bool Receives(int i) => Plan.ReceivesGradient[InputValue(i)] && Differentiates(i);

    /// <summary>Whether output <paramref name="j"/> has a gradient (some consumer sends one).</summary>
    public bool OutputReceives(int j) => Plan.ReceivesGradient[OutputValue(j)];

    /// <summary><c>accumulate</c> for operand <paramref name="i"/>: whether an earlier contribution was written.</summary>
    public CallArg Accumulate(int i) => CallArg.Bool(Plan.Accumulates(Id, i));

    /// <summary><c>+=</c> or <c>=</c> for operand <paramref name="i"/>, for comments.</summary>
    public string Assign(int i) => Plan.Accumulates(Id, i) ? "+=" : "=";

    /// <summary><c>accumulate</c> of the layer's parameter gradients (a shared layer's later use was processed first).</summary>
    public CallArg ParameterAccumulate => CallArg.Bool(Plan.ParameterAccumulates(Id));

    /// <summary>The gradient of output <paramref name="j"/>.</summary>
    public BufferRef OutputGradient(int j) => BufferRef.Gradient(OutputValue(j));

    /// <summary>The gradient of operand <paramref name="i"/>.</summary>
    public BufferRef InputGradient(int i) => BufferRef.Gradient(InputValue(i));

    /// <summary>The gradient of operand <paramref name="i"/> in a call that also writes other outputs: <c>null</c> when it
    /// receives none or when it is an input's gradient and input gradients are off.</summary>
    public BufferRef OptionalInputGradient(int i) =>
        Receives(i) ? BufferRef.Gradient(InputValue(i)) with { UnlessInputGradientsOff = true } : BufferRef.Null;

    /// <summary>A call whose only output is operand <paramref name="operand"/>'s gradient: skipped when that is an input's
    /// gradient and input gradients are off.</summary>
    public void CallWritingGradientOf(int operand, string method, params CallArg[] arguments) =>
        Add(new CallStatement(null, Backend(method, arguments), GradientOf: InputValue(operand)));

    /// <summary>For an activation fused into the layer before it: the pre-activation was not stored, so its gradient is
    /// computed in place from the output.</summary>
    public bool IsFusedIntoProducer => Plan.FusedInto[Id] >= 0;

    private bool Differentiates(int i)
    {
        Differentiation d = OpRegistry.Get(Node.Op).DifferentiationOf(Node.Args);
        return d.DifferentiatedOperands(InputCount).Contains(i);
    }
}
