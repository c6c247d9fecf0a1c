using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Gradients;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Emit;

/// <summary>
/// Writes the forward and backward statements of a planned graph: one backend call per op, each headed by a comment
/// with the source text and the shapes. Shared by network plans (buffers are fields) and differentiable functions
/// (buffers are locals): both name buffers as the <see cref="BufferPlan"/> does.
/// </summary>
internal sealed class GraphCodeWriter
{
    private readonly IndentedWriter _writer;
    private readonly string _backend;
    private readonly List<string> _failures = new();
    private readonly string? _inputGradientSwitch;

    /// <param name="inputGradientSwitch">A bool expression that enables writing gradients w.r.t. the inputs (a plan computes
    /// them on request only), or null to always write them.</param>
    public GraphCodeWriter(BufferPlan plan, IndentedWriter writer, string backend, string batch, string? inputGradientSwitch = null)
    {
        Plan = plan;
        _writer = writer;
        _backend = backend;
        Batch = batch;
        _inputGradientSwitch = inputGradientSwitch;
    }

    public BufferPlan Plan { get; }

    /// <summary>For a network plan's forward pass: the bool expression of training mode, the ulong seed and the uint step
    /// that Dropout draws its mask from; null where Dropout cannot be emitted (differentiable functions).</summary>
    public (string Training, string Seed, string Step)? DropoutContext { get; set; }

    /// <summary>The C# variable holding the current batch size.</summary>
    public string Batch { get; }

    /// <summary>Constructs the writer could not emit (each becomes SN0900).</summary>
    public IReadOnlyList<string> Failures => _failures;

    public CompiledNode Node(int id) => Plan.Graph.Nodes[id];

    public bool Receives(int id) => Plan.ReceivesGradient[id];

    public string Value(int id) => Plan.ValueName[id] ?? Missing($"no value buffer for {Node(id).Text}");

    public string Gradient(int id) => Plan.GradientName[id] ?? Missing($"no gradient buffer for {Node(id).Text}");

    public string Accumulate(CompiledNode node, int operand) => Plan.Accumulates(node.Id, operand) ? "true" : "false";

    /// <summary><c>+=</c> or <c>=</c>, for comments.</summary>
    public string Op(CompiledNode node, int operand) => Plan.Accumulates(node.Id, operand) ? "+=" : "=";

    public string ParameterAccumulate(CompiledNode node) => Plan.ParameterAccumulates(node.Id) ? "true" : "false";

    public string ParameterValue(int index) => BufferPlan.ParameterValueName(Plan.Graph.Parameters[index]);

    public string ParameterGradient(int index) => BufferPlan.ParameterGradientName(Plan.Graph.Parameters[index]);

    /// <summary>The plan field of module buffer <paramref name="index"/> (a BatchNorm running statistic).</summary>
    public string ModuleBuffer(int index) => BufferPlan.ModuleBufferName(Plan.Graph.Buffers[index]);

    public string Count(Shape shape) => Sizes.Count(shape, Batch);

    /// <summary>The product of all dims but the last (1 for a scalar).</summary>
    public string Rows(Shape shape) => shape.Rank == 0 ? "1" : Sizes.Range(shape, 0, shape.Rank - 1, Batch);

    /// <summary>The last dim (1 for a scalar).</summary>
    public string Last(Shape shape) => shape.Rank == 0 ? "1" : Sizes.Range(shape, shape.Rank - 1, shape.Rank, Batch);

    /// <summary>The input of a softmax viewed as [outer, dim, inner] around its axis.</summary>
    public (string Outer, string Dim, string Inner) SoftmaxView(CompiledNode node)
    {
        Shape shape = node.Shape;
        int axis = int.Parse(node.Arg("axis") ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
        if (axis < 0) axis += shape.Rank;
        return (Sizes.Range(shape, 0, axis, Batch), Sizes.Range(shape, axis, axis + 1, Batch), Sizes.Range(shape, axis + 1, shape.Rank, Batch));
    }

    public void Comment(string text) => _writer.Line("// " + text);

    public void Call(string method, string arguments) => _writer.Line($"{_backend}.{method}({arguments});");

    /// <summary>A call whose only output is the gradient of <paramref name="operand"/>: skipped when that is an input's
    /// gradient and input gradients are switched off.</summary>
    public void CallWritingGradientOf(int operand, string method, string arguments)
    {
        if (_inputGradientSwitch is not null && Plan.HoldsInputGradient(operand))
            _writer.Line($"if ({_inputGradientSwitch}) {_backend}.{method}({arguments});");
        else
            Call(method, arguments);
    }

    /// <summary>The gradient buffer of <paramref name="operand"/> for a call that also writes other outputs (Linear's
    /// parameter gradients): null when it is an input's gradient and input gradients are switched off.</summary>
    public string OptionalGradient(int operand) =>
        _inputGradientSwitch is not null && Plan.HoldsInputGradient(operand) ? $"{_inputGradientSwitch} ? {Gradient(operand)} : null" : Gradient(operand);

    public void Fail(string message) => _failures.Add(message);

    private string Missing(string message)
    {
        Fail(message);
        return "null!";
    }

    /// <summary>The forward pass: every live node in id order (inputs are uploaded, aliases cost nothing).</summary>
    public void WriteForward()
    {
        foreach (CompiledNode node in Plan.Graph.Nodes)
        {
            if (Plan.Live[node.Id] && Plan.FusedActivationOf[node.Id] < 0) WriteForward(node);
        }
    }

    /// <summary>The backward pass: nodes receiving a gradient in decreasing id, each through its rule.</summary>
    public void WriteBackward()
    {
        for (int id = Plan.Graph.Output; id >= 0; id--)
        {
            if (!Plan.ReceivesGradient[id]) continue;
            CompiledNode node = Node(id);
            GradientRule? rule = GradientRules.Find(node.Op);
            if (rule?.EmitBackward is null) continue;
            rule.EmitBackward(this, node);
        }
    }

    private string Operands(CompiledNode node) => string.Join(", ", node.Inputs.Select(i => Node(i).Shape.ToString()));

    private void WriteForward(CompiledNode node)
    {
        string header = $"{node.Text}: {node.Shape}" + (node.Inputs.Count > 0 ? " <- " + Operands(node) : "");
        switch (node.Op)
        {
            case "Input":
                return;
            case "Reshape":
            case "Detach":
                Comment($"{header} (the same buffer as {Node(node.Inputs[0]).Text})");
                return;
            case "Linear":
                WriteLinearForward(node, node, "Identity");
                return;
            case "Relu" when Plan.FusedLinearOf[node.Id] >= 0 && Node(Plan.FusedLinearOf[node.Id]).Op == "Conv2d":
                WriteConvForward(Node(Plan.FusedLinearOf[node.Id]), node, node.Op);
                return;
            case "Relu" or "Sigmoid" or "Tanh" when Plan.FusedLinearOf[node.Id] >= 0:
                WriteLinearForward(Node(Plan.FusedLinearOf[node.Id]), node, node.Op);
                return;
            case "Conv2d":
                WriteConvForward(node, node, "Identity");
                return;
            case "MaxPool2d":
            {
                ConvGeometry g = ConvGeometry.For(node, Node(node.Inputs[0]).Shape, Batch);
                string indices = Plan.Auxiliary(node.Id, "indices") ?? Missing($"no indices buffer for {node.Text}");
                Comment(header);
                Call("MaxPool2d_Forward", $"{Value(node.Id)}, {indices}, {Value(node.Inputs[0])}, {g.PoolArguments}");
                return;
            }
            case "AvgPool2d":
            {
                ConvGeometry g = ConvGeometry.For(node, Node(node.Inputs[0]).Shape, Batch);
                Comment(header);
                Call("AvgPool2d_Forward", $"{Value(node.Id)}, {Value(node.Inputs[0])}, {g.PoolArguments}, countIncludePad: {GradientRules.CountIncludePad(node)}");
                return;
            }
            case "GlobalAvgPool":
                Comment(header);
                Call("GlobalAvgPool_Forward", $"{Value(node.Id)}, {Value(node.Inputs[0])}, {GradientRules.PlaneArguments(Node(node.Inputs[0]).Shape, Batch)}");
                return;
            case "Dropout":
                WriteDropoutForward(node, header);
                return;
            case "BatchNorm2d":
                WriteBatchNormForward(node, header);
                return;
            case "MatMul":
            case "Dot":
                WriteMatMulForward(node, header);
                return;
            case "Permute":
                Comment(header);
                Call("Permute", $"{Value(node.Id)}, {Value(node.Inputs[0])}, {Plan.Array(node.Id, "x").Name}, {Plan.Array(node.Id, "perm").Name}, accumulate: false");
                return;
            case "Concat":
                ConcatLayout layout = ConcatLayout.For(this, node);
                Comment(header);
                for (int i = 0; i < node.Inputs.Count; i++)
                    Call("CopyRows", $"{Value(node.Id)}, {layout.Offsets[i]}, {layout.OutputRowLength}, {Value(node.Inputs[i])}, 0, {layout.RowLengths[i]}, " +
                                     $"{layout.RowLengths[i]}, {layout.Rows}, accumulate: false");
                return;
            case "Sum":
            case "Mean":
                Comment(header);
                Call("Reduce_Forward", $"global::ShapeNet.Backends.ReduceOp.{node.Op}, {Value(node.Id)}, {Value(node.Inputs[0])}, " +
                                      $"{Plan.Array(node.Id, "x").Name}, {Plan.Array(node.Id, "axes").Name}");
                return;
            case "Softmax":
            case "LogSoftmax":
                (string outer, string dim, string inner) = SoftmaxView(node);
                Comment(header);
                Call("Softmax_Forward", $"{Value(node.Id)}, {Value(node.Inputs[0])}, {outer}, {dim}, {inner}, log: {(node.Op == "LogSoftmax" ? "true" : "false")}");
                return;
        }
        if (OpCatalog.UnaryOps.Contains(node.Op))
        {
            Comment(header);
            Call("Unary_Forward", $"{GradientRules.UnaryOpCode(node)}, {GradientRules.UnaryParameter(node)}, {Value(node.Id)}, {Value(node.Inputs[0])}, {Count(node.Shape)}");
        }
        else if (OpCatalog.BinaryOps.Contains(node.Op))
        {
            Comment(header);
            Call("Binary_Forward", $"global::ShapeNet.Backends.BinaryOp.{node.Op}, {Value(node.Id)}, {Value(node.Inputs[0])}, {Plan.Array(node.Id, "a").Name}, " +
                                   $"{Value(node.Inputs[1])}, {Plan.Array(node.Id, "b").Name}, {Plan.Array(node.Id, "z").Name}");
        }
        else if (OpCatalog.Losses.Contains(node.Op))
        {
            Shape input = Node(node.Inputs[0]).Shape;
            Comment(header);
            Call("Loss_Forward", $"{GradientRules.LossKindCode(node)}, {GradientRules.ReductionCode(node)}, {Value(node.Id)}, {Value(node.Inputs[0])}, " +
                                 $"{Value(node.Inputs[1])}, {Rows(input)}, {Last(input)}");
        }
        else
        {
            Fail($"no forward code for the op {node.Op} ({node.Text})");
        }
    }

    /// <summary>A Linear over the last axis, writing <paramref name="result"/>'s buffer (the activation's when fused).</summary>
    private void WriteLinearForward(CompiledNode linear, CompiledNode result, string activation)
    {
        if (linear.Parameters.Count == 0)
        {
            Fail($"the Linear {linear.Text} has no parameters");
            return;
        }
        int x = linear.Inputs[0];
        Shape xShape = Node(x).Shape;
        string bias = linear.Parameters.Count > 1 ? ParameterValue(linear.Parameters[1]) : "null";
        Comment($"{result.Text}: {result.Shape} <- {xShape}");
        Call("Linear_Forward", $"{Value(result.Id)}, {Value(x)}, {ParameterValue(linear.Parameters[0])}, {bias}, {Rows(xShape)}, {Last(xShape)}, " +
                               $"{Last(linear.Shape)}, global::ShapeNet.Backends.UnaryOp.{activation}");
    }

    /// <summary>A Conv2d writing <paramref name="result"/>'s buffer (its Relu's when fused), through the shared workspace.</summary>
    private void WriteConvForward(CompiledNode conv, CompiledNode result, string activation)
    {
        if (conv.Parameters.Count == 0)
        {
            Fail($"the Conv2d {conv.Text} has no parameters");
            return;
        }
        int x = conv.Inputs[0];
        Shape xShape = Node(x).Shape;
        ConvGeometry g = ConvGeometry.For(conv, xShape, Batch);
        string bias = conv.Parameters.Count > 1 ? ParameterValue(conv.Parameters[1]) : "null";
        Comment($"{result.Text}: {result.Shape} <- {xShape}");
        Call("Conv2d_Forward", $"{Value(result.Id)}, {Value(x)}, {ParameterValue(conv.Parameters[0])}, {bias}, {BufferPlan.WorkspaceName}, " +
                               $"{g.ConvArguments}, global::ShapeNet.Backends.UnaryOp.{activation}");
    }

    /// <summary>Training: inverted dropout with a mask drawn from (seed + a per-node constant, step); inference: a copy.</summary>
    private void WriteDropoutForward(CompiledNode node, string header)
    {
        if (DropoutContext is not { } context)
        {
            Fail($"Dropout ({node.Text}) is supported in networks only");
            return;
        }
        string mask = Plan.Auxiliary(node.Id, "mask") ?? Missing($"no mask buffer for {node.Text}");
        string n = Count(node.Shape), y = Value(node.Id), x = Value(node.Inputs[0]);
        ulong salt = unchecked((ulong)(node.Id + 1) * 0x9E3779B97F4A7C15UL);
        Comment(header + " (training: x·mask/(1 − p); inference: the identity)");
        _writer.Line($"if ({context.Training}) {_backend}.Dropout_Forward({y}, {mask}, {x}, {n}, {GradientRules.DropoutProbability(node)}, " +
                     $"unchecked({context.Seed} + 0x{salt:X16}UL), {context.Step});");
        _writer.Line($"else {_backend}.CopyRows({y}, 0, {n}, {x}, 0, {n}, {n}, 1, accumulate: false);");
    }

    /// <summary>Training: the batch statistics, the running ones updated and the batch counted; inference: the running statistics.
    /// Either way the statistics used are saved for the backward.</summary>
    private void WriteBatchNormForward(CompiledNode node, string header)
    {
        // The plan's training flag (the one Dropout reads); BatchNorm is a layer, so it only occurs in network plans.
        if (DropoutContext is not { } context)
        {
            Fail($"BatchNorm2d ({node.Text}) is supported in networks only");
            return;
        }
        if (node.Buffers.Count != 3)
        {
            Fail($"the BatchNorm2d {node.Text} has no running statistics");
            return;
        }
        bool affine = node.Parameters.Count == 2;
        string weight = affine ? ParameterValue(node.Parameters[0]) : "null", bias = affine ? ParameterValue(node.Parameters[1]) : "null";
        string saveMean = Plan.Auxiliary(node.Id, "saveMean") ?? Missing($"no saveMean buffer for {node.Text}");
        string saveInvStd = Plan.Auxiliary(node.Id, "saveInvStd") ?? Missing($"no saveInvStd buffer for {node.Text}");
        string momentum = Sizes.Float(new NamedArg("momentum", node.Arg("momentum") ?? "0.1").AsDouble());
        string eps = Sizes.Float(new NamedArg("eps", node.Arg("eps") ?? "1e-5").AsDouble());
        string counter = ModuleBuffer(node.Buffers[2]);
        Comment(header + " (training: batch statistics, running statistics updated; inference: running statistics)");
        Call("BatchNorm2d_Forward", $"{Value(node.Id)}, {saveMean}, {saveInvStd}, {ModuleBuffer(node.Buffers[0])}, {ModuleBuffer(node.Buffers[1])}, " +
                                    $"{Value(node.Inputs[0])}, {weight}, {bias}, {GradientRules.PlaneArguments(Node(node.Inputs[0]).Shape, Batch)}, " +
                                    $"{context.Training}, {momentum}, {eps}");
        _writer.Line($"if ({context.Training}) {_backend}.Unary_Forward(global::ShapeNet.Backends.UnaryOp.AddScalar, 1f, {counter}, {counter}, 1); " +
                     $"// {Plan.Graph.Buffers[node.Buffers[2]].Name} += 1");
    }

    private void WriteMatMulForward(CompiledNode node, string header)
    {
        Shape a = Node(node.Inputs[0]).Shape, b = Node(node.Inputs[1]).Shape;
        MatMulLayout? layout = MatMulLayout.For(a, b, Batch);
        if (layout is null)
        {
            Fail($"{node.Op} of {a} and {b} has no GEMM layout");
            return;
        }
        Comment(header);
        Call("Gemm", $"false, false, {layout.M}, {layout.N}, {layout.K}, 1f, {Value(node.Inputs[0])}, 0, {layout.K}, {Value(node.Inputs[1])}, 0, {layout.N}, " +
                     $"0f, {Value(node.Id)}, 0, {layout.N}{layout.BatchArguments(layout.StrideA, layout.StrideB, layout.StrideC)}");
    }
}
