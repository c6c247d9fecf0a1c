using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Gradients;

internal enum GradientKind
{
    /// <summary>An input: its gradient is a result, nothing flows further.</summary>
    Leaf,
    /// <summary>The same data under another shape (Reshape): the gradient buffer is the operand's, no code.</summary>
    Alias,
    /// <summary>The same data cut from the gradient (Detach): nothing flows to the operand.</summary>
    StopGradient,
    /// <summary>Backend calls writing the operands' gradients from the node's.</summary>
    Rule,
}

/// <summary>Writes the backward of one node: from its gradient <c>d(node)</c> to its operands' gradients, each
/// write flagged first (<c>accumulate: false</c>) or later (<c>accumulate: true</c>) by the buffer plan.</summary>
internal delegate void BackwardEmitter(GraphCodeWriter w, CompiledNode node);

internal sealed class GradientRule
{
    public GradientRule(GradientKind kind, BackwardEmitter? emit = null, bool targetIsData = false)
    {
        Kind = kind;
        EmitBackward = emit;
        HasNonDifferentiableTarget = targetIsData;
    }

    public GradientKind Kind { get; }

    public BackwardEmitter? EmitBackward { get; }

    /// <summary>A loss: operand 1 is the target, data that receives no gradient.</summary>
    public bool HasNonDifferentiableTarget { get; }

    /// <summary>The operands a gradient flows to, in the order their contributions are written.</summary>
    public IEnumerable<int> DifferentiableOperands(CompiledNode node) => Kind switch
    {
        GradientKind.Alias => new[] { 0 },
        GradientKind.Rule => HasNonDifferentiableTarget ? new[] { 0 } : Enumerable.Range(0, node.Inputs.Count),
        _ => Enumerable.Empty<int>(),
    };
}

/// <summary>
/// The reverse-mode rule of every canonical op (<see cref="OpCatalog"/>), one entry each. An op without an entry
/// is reported as SN0901 when a gradient must flow through it, never treated as a zero gradient.
/// Notation: <c>dX</c> is the gradient of the output w.r.t. X; "(+)=" is the first write or an accumulation.
/// </summary>
internal static class GradientRules
{
    public static readonly IReadOnlyDictionary<string, GradientRule> ByOp = Build();

    public static GradientRule? Find(string op) => ByOp.TryGetValue(op, out GradientRule? rule) ? rule : null;

    private static Dictionary<string, GradientRule> Build()
    {
        var rules = new Dictionary<string, GradientRule>
        {
            ["Input"] = new(GradientKind.Leaf),
            // Reshape / Flatten: the gradient has the input's data layout, so it is the input's buffer.
            ["Reshape"] = new(GradientKind.Alias),
            ["Detach"] = new(GradientKind.StopGradient),
            // y = x·Wᵀ + b: dx (+)= dy·W, dW (+)= dyᵀ·x, db (+)= Σ_rows dy (a fused activation was undone in place first).
            ["Linear"] = new(GradientKind.Rule, Linear),
            // z = a·b as GEMMs: da (+)= dz·bᵀ, db (+)= aᵀ·dz.
            ["MatMul"] = new(GradientKind.Rule, MatMul),
            ["Dot"] = new(GradientKind.Rule, MatMul),
            // y = permute(x, p): dx (+)= permute(dy, p⁻¹).
            ["Permute"] = new(GradientKind.Rule, Permute),
            // y = concat(x₀, x₁, …): each dxᵢ (+)= its rows of dy.
            ["Concat"] = new(GradientKind.Rule, Concat),
            // y = Σ or mean over axes: dx (+)= broadcast(dy) (÷ count for the mean).
            ["Sum"] = new(GradientKind.Rule, Reduce),
            ["Mean"] = new(GradientKind.Rule, Reduce),
            // y = softmax(x): dx (+)= y ∘ (dy − Σ dy∘y); log-softmax: dx (+)= dy − softmax(x)·Σ dy.
            ["Softmax"] = new(GradientKind.Rule, Softmax),
            ["LogSoftmax"] = new(GradientKind.Rule, Softmax),
            // y = conv2d(x, W) + b: dx (+)= transposed convolution of dy (when x receives one), dW (+)= dy ⋆ x, db (+)= Σ_{N,H,W} dy
            // (a fused Relu was undone in place first).
            ["Conv2d"] = new(GradientKind.Rule, Conv2d),
            // y = window maxima: dx (+)= dy scattered to the argmax positions the forward stored.
            ["MaxPool2d"] = new(GradientKind.Rule, MaxPool2d),
            // y = window means: dx (+)= dy spread over each window by the forward's divisor.
            ["AvgPool2d"] = new(GradientKind.Rule, AvgPool2d),
            // y[N,C,1,1] = plane means: dx (+)= dy / (H·W) broadcast over each plane.
            ["GlobalAvgPool"] = new(GradientKind.Rule, GlobalAvgPool),
            // y = x·mask/(1 − p): dx (+)= dy·mask/(1 − p) with the mask of the last training forward.
            ["Dropout"] = new(GradientKind.Rule, Dropout),
            // y = x̂·γ + β, x̂ = (x − mean)·invStd with the batch statistics the training forward saved:
            // dx (+)= γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)) per channel, dγ (+)= Σ dy·x̂, dβ (+)= Σ dy.
            ["BatchNorm2d"] = new(GradientKind.Rule, BatchNorm2d),
        };
        // y = f(x) element-wise: dx (+)= dy ∘ f'(x) (the kernel reads x or y, whichever f' needs).
        foreach (string op in OpCatalog.UnaryOps) rules[op] = new(GradientKind.Rule, Unary);
        // z = a ∘ b with broadcasting: d(operand) (+)= reduce over broadcast axes of dz ∘ ∂z/∂operand.
        foreach (string op in OpCatalog.BinaryOps) rules[op] = new(GradientKind.Rule, Binary);
        // loss = L(input, target): dInput (+)= dLoss · ∂L/∂input; the target is data, except for MSE, which is symmetric
        // in its operands: dTarget (+)= the input's rule with the operands swapped, as PyTorch's mse_loss.
        foreach (string op in OpCatalog.Losses) rules[op] = new(GradientKind.Rule, Loss, targetIsData: op != "MseLoss");
        return rules;
    }

    private static void Linear(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        Shape xShape = w.Node(x).Shape;
        string dx = w.Receives(x) ? w.OptionalGradient(x) : "null";
        string dBias = node.Parameters.Count > 1 ? w.ParameterGradient(node.Parameters[1]) : "null";
        string bias = node.Parameters.Count > 1 ? "bias" : "no bias";
        w.Comment($"d({w.Node(x).Text}) {w.Op(node, 0)} d({node.Text})·W; d({node.Path}.weight), d({node.Path}.{bias}): {xShape} <- {node.Shape}");
        w.Call("Linear_Backward",
            $"{dx}, {w.ParameterGradient(node.Parameters[0])}, {dBias}, {w.Gradient(node.Id)}, {w.Value(x)}, {w.ParameterValue(node.Parameters[0])}, " +
            $"{w.Rows(xShape)}, {w.Last(xShape)}, {w.Last(node.Shape)}, accumulateDx: {w.Accumulate(node, 0)}, accumulateParameters: {w.ParameterAccumulate(node)}");
    }

    private static void Conv2d(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        Shape xShape = w.Node(x).Shape;
        ConvGeometry g = ConvGeometry.For(node, xShape, w.Batch);
        string dx = w.Receives(x) ? w.OptionalGradient(x) : "null";
        string dBias = node.Parameters.Count > 1 ? w.ParameterGradient(node.Parameters[1]) : "null";
        string bias = node.Parameters.Count > 1 ? "bias" : "no bias";
        string dxText = w.Receives(x) ? $"d({w.Node(x).Text}) {w.Op(node, 0)} convᵀ(d({node.Text}), W); " : "";
        w.Comment($"{dxText}d({node.Path}.weight), d({node.Path}.{bias}): {xShape} <- {node.Shape}");
        w.Call("Conv2d_Backward",
            $"{dx}, {w.ParameterGradient(node.Parameters[0])}, {dBias}, {w.Gradient(node.Id)}, {w.Value(x)}, {w.ParameterValue(node.Parameters[0])}, " +
            $"{BufferPlan.WorkspaceName}, {g.ConvArguments}, accumulateDx: {w.Accumulate(node, 0)}, accumulateParameters: {w.ParameterAccumulate(node)}");
    }

    private static void MaxPool2d(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        if (!w.Receives(x)) return;
        ConvGeometry g = ConvGeometry.For(node, w.Node(x).Shape, w.Batch);
        string indices = w.Plan.Auxiliary(node.Id, "indices") ?? "null!";
        w.Comment($"d({w.Node(x).Text}) {w.Op(node, 0)} d({node.Text}) scattered to the maxima: {w.Node(x).Shape} <- {node.Shape}");
        w.CallWritingGradientOf(x, "MaxPool2d_Backward", $"{w.Gradient(x)}, {w.Gradient(node.Id)}, {indices}, {g.PoolArguments}, accumulate: {w.Accumulate(node, 0)}");
    }

    private static void AvgPool2d(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        if (!w.Receives(x)) return;
        ConvGeometry g = ConvGeometry.For(node, w.Node(x).Shape, w.Batch);
        w.Comment($"d({w.Node(x).Text}) {w.Op(node, 0)} d({node.Text}) spread over the windows: {w.Node(x).Shape} <- {node.Shape}");
        w.CallWritingGradientOf(x, "AvgPool2d_Backward", $"{w.Gradient(x)}, {w.Gradient(node.Id)}, {g.PoolArguments}, countIncludePad: {CountIncludePad(node)}, " +
                                      $"accumulate: {w.Accumulate(node, 0)}");
    }

    private static void GlobalAvgPool(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        if (!w.Receives(x)) return;
        Shape xShape = w.Node(x).Shape;
        w.Comment($"d({w.Node(x).Text}) {w.Op(node, 0)} d({node.Text}) / (H·W) over each plane: {xShape} <- {node.Shape}");
        w.CallWritingGradientOf(x, "GlobalAvgPool_Backward", $"{w.Gradient(x)}, {w.Gradient(node.Id)}, {PlaneArguments(xShape, w.Batch)}, accumulate: {w.Accumulate(node, 0)}");
    }

    private static void Dropout(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        if (!w.Receives(x)) return;
        string mask = w.Plan.Auxiliary(node.Id, "mask") ?? "null!";
        w.Comment($"d({w.Node(x).Text}) {w.Op(node, 0)} d({node.Text})·mask/(1 − p): {node.Shape}");
        w.CallWritingGradientOf(x, "Dropout_Backward", $"{w.Gradient(x)}, {w.Gradient(node.Id)}, {mask}, {w.Count(node.Shape)}, {DropoutProbability(node)}, " +
                                    $"accumulate: {w.Accumulate(node, 0)}");
    }

    private static void BatchNorm2d(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        Shape xShape = w.Node(x).Shape;
        bool affine = node.Parameters.Count == 2;
        string weight = affine ? w.ParameterValue(node.Parameters[0]) : "null";
        string dWeight = affine ? w.ParameterGradient(node.Parameters[0]) : "null", dBias = affine ? w.ParameterGradient(node.Parameters[1]) : "null";
        string saveMean = w.Plan.Auxiliary(node.Id, "saveMean") ?? "null!", saveInvStd = w.Plan.Auxiliary(node.Id, "saveInvStd") ?? "null!";
        string dxText = w.Receives(x) ? $"d({w.Node(x).Text}) {w.Op(node, 0)} batch-norm backward of d({node.Text}); " : "";
        string parameters = affine ? $"d({node.Path}.weight), d({node.Path}.bias)" : "no parameters";
        // A backward pass always follows a training forward (NetworkPlan checks), so the gradient goes through the batch statistics.
        w.Comment($"{dxText}{parameters}: {xShape} <- {node.Shape}, through the batch statistics");
        string rest = $"{w.Gradient(node.Id)}, {w.Value(x)}, {saveMean}, {saveInvStd}, {weight}, {PlaneArguments(xShape, w.Batch)}, training: true, " +
                      $"accumulateDx: {w.Accumulate(node, 0)}, accumulateParameters: {w.ParameterAccumulate(node)}";
        if (affine)
            w.Call("BatchNorm2d_Backward", $"{(w.Receives(x) ? w.OptionalGradient(x) : "null")}, {dWeight}, {dBias}, {rest}");
        else if (w.Receives(x))
            w.CallWritingGradientOf(x, "BatchNorm2d_Backward", $"{w.Gradient(x)}, null, null, {rest}");
    }

    /// <summary><c>true</c> unless the arg <c>countIncludePad</c> is <c>false</c> (PyTorch's default counts the padding).</summary>
    public static string CountIncludePad(CompiledNode node) => node.Arg("countIncludePad") is "false" or "False" ? "false" : "true";

    /// <summary>The drop probability (arg <c>p</c>, default 0.5) as a float literal.</summary>
    public static string DropoutProbability(CompiledNode node) => Sizes.Float(new NamedArg("p", node.Arg("p") ?? "0.5").AsDouble());

    /// <summary><c>N, C, H·W</c> of an [N, C, H, W] value for the global pooling calls.</summary>
    public static string PlaneArguments(Shape x, string batch) =>
        $"{Sizes.Range(x, 0, 1, batch)}, {(x.Rank > 1 ? Sizes.Range(x, 1, 2, batch) : "1")}, {(x.Rank > 2 ? Sizes.Range(x, 2, x.Rank, batch) : "1")}";

    private static void Unary(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        if (w.Plan.FusedLinearOf[node.Id] >= 0)
        {
            // The pre-activation was not stored: Relu, Sigmoid and Tanh derivatives are functions of the output y.
            w.Comment($"d(pre-activation of {node.Text}) = d({node.Text}) · {node.Op}'(y), in place: {node.Shape}");
            string dy = w.Gradient(node.Id), y = w.Value(node.Id);
            w.Call("Unary_Backward", $"{UnaryOpCode(node)}, {UnaryParameter(node)}, {dy}, {dy}, {y}, {y}, {w.Count(node.Shape)}, accumulate: false");
            return;
        }
        if (!w.Receives(x)) return;
        w.Comment($"d({w.Node(x).Text}) {w.Op(node, 0)} d({node.Text}) · {node.Op}': {node.Shape}");
        w.CallWritingGradientOf(x, "Unary_Backward", $"{UnaryOpCode(node)}, {UnaryParameter(node)}, {w.Gradient(x)}, {w.Gradient(node.Id)}, {w.Value(x)}, {w.Value(node.Id)}, " +
                                 $"{w.Count(node.Shape)}, accumulate: {w.Accumulate(node, 0)}");
    }

    private static void Binary(GraphCodeWriter w, CompiledNode node)
    {
        int a = node.Inputs[0], b = node.Inputs[1];
        ConstantArray aShape = w.Plan.Array(node.Id, "a"), bShape = w.Plan.Array(node.Id, "b"), zShape = w.Plan.Array(node.Id, "z");
        for (int operand = 0; operand < 2; operand++)
        {
            int input = node.Inputs[operand];
            if (!w.Receives(input)) continue;
            w.Comment($"d({w.Node(input).Text}) {w.Op(node, operand)} d({node.Text}) · ∂/∂{(operand == 0 ? "a" : "b")}: {w.Node(input).Shape} <- {node.Shape}");
            w.CallWritingGradientOf(input, "Binary_Backward", $"global::ShapeNet.Backends.BinaryOp.{node.Op}, {operand}, {w.Gradient(input)}, {w.Gradient(node.Id)}, " +
                                      $"{w.Value(a)}, {aShape.Name}, {w.Value(b)}, {bShape.Name}, {zShape.Name}, accumulate: {w.Accumulate(node, operand)}");
        }
    }

    private static void MatMul(GraphCodeWriter w, CompiledNode node)
    {
        int a = node.Inputs[0], b = node.Inputs[1];
        MatMulLayout? layout = MatMulLayout.For(w.Node(a).Shape, w.Node(b).Shape, w.Batch);
        if (layout is null)
        {
            w.Fail($"{node.Op} of {w.Node(a).Shape} and {w.Node(b).Shape} has no GEMM layout");
            return;
        }
        string dz = w.Gradient(node.Id);
        if (w.Receives(a))
        {
            w.Comment($"d({w.Node(a).Text}) {w.Op(node, 0)} d({node.Text})·bᵀ: {w.Node(a).Shape}");
            w.CallWritingGradientOf(a, "Gemm", $"false, true, {layout.M}, {layout.K}, {layout.N}, 1f, {dz}, 0, {layout.N}, {w.Value(b)}, 0, {layout.N}, " +
                           $"{Beta(w, node, 0)}, {w.Gradient(a)}, 0, {layout.K}{layout.BatchArguments(layout.StrideC, layout.StrideB, layout.StrideA)}");
        }
        if (w.Receives(b))
        {
            w.Comment($"d({w.Node(b).Text}) {w.Op(node, 1)} aᵀ·d({node.Text}): {w.Node(b).Shape}");
            w.CallWritingGradientOf(b, "Gemm", $"true, false, {layout.K}, {layout.N}, {layout.M}, 1f, {w.Value(a)}, 0, {layout.K}, {dz}, 0, {layout.N}, " +
                           $"{Beta(w, node, 1)}, {w.Gradient(b)}, 0, {layout.N}{layout.BatchArguments(layout.StrideA, layout.StrideC, layout.StrideB)}");
        }
    }

    private static string Beta(GraphCodeWriter w, CompiledNode node, int operand) => w.Plan.Accumulates(node.Id, operand) ? "1f" : "0f";

    private static void Permute(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        if (!w.Receives(x)) return;
        w.Comment($"d({w.Node(x).Text}) {w.Op(node, 0)} permute(d({node.Text}), inverse): {w.Node(x).Shape} <- {node.Shape}");
        w.CallWritingGradientOf(x, "Permute", $"{w.Gradient(x)}, {w.Gradient(node.Id)}, {w.Plan.Array(node.Id, "y").Name}, {w.Plan.Array(node.Id, "inverse").Name}, " +
                          $"accumulate: {w.Accumulate(node, 0)}");
    }

    private static void Concat(GraphCodeWriter w, CompiledNode node)
    {
        ConcatLayout layout = ConcatLayout.For(w, node);
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            int input = node.Inputs[i];
            if (!w.Receives(input)) continue;
            w.Comment($"d({w.Node(input).Text}) {w.Op(node, i)} its part of d({node.Text}): {w.Node(input).Shape} <- {node.Shape}");
            w.CallWritingGradientOf(input, "CopyRows", $"{w.Gradient(input)}, 0, {layout.RowLengths[i]}, {w.Gradient(node.Id)}, {layout.Offsets[i]}, {layout.OutputRowLength}, " +
                               $"{layout.RowLengths[i]}, {layout.Rows}, accumulate: {w.Accumulate(node, i)}");
        }
    }

    private static void Reduce(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        if (!w.Receives(x)) return;
        w.Comment($"d({w.Node(x).Text}) {w.Op(node, 0)} broadcast(d({node.Text})){(node.Op == "Mean" ? " / count" : "")}: {w.Node(x).Shape} <- {node.Shape}");
        w.CallWritingGradientOf(x, "Reduce_Backward", $"global::ShapeNet.Backends.ReduceOp.{node.Op}, {w.Gradient(x)}, {w.Gradient(node.Id)}, " +
                                  $"{w.Plan.Array(node.Id, "x").Name}, {w.Plan.Array(node.Id, "axes").Name}, accumulate: {w.Accumulate(node, 0)}");
    }

    private static void Softmax(GraphCodeWriter w, CompiledNode node)
    {
        int x = node.Inputs[0];
        if (!w.Receives(x)) return;
        (string outer, string dim, string inner) = w.SoftmaxView(node);
        w.Comment($"d({w.Node(x).Text}) {w.Op(node, 0)} {node.Op} backward of d({node.Text}): {node.Shape}");
        w.CallWritingGradientOf(x, "Softmax_Backward", $"{w.Gradient(x)}, {w.Gradient(node.Id)}, {w.Value(node.Id)}, {outer}, {dim}, {inner}, " +
                                   $"log: {(node.Op == "LogSoftmax" ? "true" : "false")}, accumulate: {w.Accumulate(node, 0)}");
    }

    private static void Loss(GraphCodeWriter w, CompiledNode node)
    {
        int input = node.Inputs[0], target = node.Inputs[1];
        if (w.Receives(input))
        {
            Shape shape = w.Node(input).Shape;
            w.Comment($"d({w.Node(input).Text}) {w.Op(node, 0)} d({node.Text}) · ∂{node.Op}/∂input: {shape}");
            w.CallWritingGradientOf(input, "Loss_Backward", $"{LossKindCode(node)}, {ReductionCode(node)}, {w.Gradient(input)}, {w.Gradient(node.Id)}, {w.Value(input)}, {w.Value(target)}, " +
                                    $"{w.Rows(shape)}, {w.Last(shape)}, accumulate: {w.Accumulate(node, 0)}");
        }
        if (node.Op == "MseLoss" && w.Receives(target))
        {
            // (x − t)² is symmetric: ∂/∂t is ∂/∂x with x and t swapped.
            Shape shape = w.Node(target).Shape;
            w.Comment($"d({w.Node(target).Text}) {w.Op(node, 1)} d({node.Text}) · ∂{node.Op}/∂target (the input's rule, operands swapped): {shape}");
            w.CallWritingGradientOf(target, "Loss_Backward", $"{LossKindCode(node)}, {ReductionCode(node)}, {w.Gradient(target)}, {w.Gradient(node.Id)}, {w.Value(target)}, {w.Value(input)}, " +
                                    $"{w.Rows(shape)}, {w.Last(shape)}, accumulate: {w.Accumulate(node, 1)}");
        }
    }

    /// <summary><c>global::ShapeNet.Backends.UnaryOp.Relu</c>.</summary>
    public static string UnaryOpCode(CompiledNode node) => "global::ShapeNet.Backends.UnaryOp." + node.Op;

    /// <summary>The exponent of Pow (arg <c>p</c>), the scalar of the scalar forms (arg <c>c</c>), else 0.</summary>
    public static string UnaryParameter(CompiledNode node)
    {
        string? text = node.Op switch
        {
            "Pow" => node.Arg("p") ?? node.Arg("exponent"),
            "AddScalar" or "MulScalar" or "RSubScalar" or "RDivScalar" => node.Arg("c"),
            _ => null,
        };
        return text is null ? "0f" : Sizes.Float(new NamedArg("value", text).AsDouble());
    }

    public static string LossKindCode(CompiledNode node) => "global::ShapeNet.Backends.LossKind." + node.Op switch
    {
        "MseLoss" => "Mse",
        "BceLoss" => "Bce",
        "BceWithLogitsLoss" => "BceWithLogits",
        "CrossEntropyLoss" => "CrossEntropy",
        _ => "Nll",
    };

    public static string ReductionCode(CompiledNode node) => "global::ShapeNet.Reduction." + (node.Arg("reduction") == "Sum" ? "Sum" : "Mean");
}

/// <summary>A concatenation as row copies: <c>Rows</c> = the product of the dims before the axis; input i copies rows of
/// <c>RowLengths[i]</c> floats to offset <c>Offsets[i]</c> of output rows of <c>OutputRowLength</c> floats.</summary>
internal sealed record ConcatLayout(string Rows, string OutputRowLength, IReadOnlyList<string> RowLengths, IReadOnlyList<string> Offsets)
{
    public static ConcatLayout For(GraphCodeWriter w, CompiledNode node)
    {
        int axis = int.Parse(node.Arg("axis") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        if (axis < 0) axis += node.Shape.Rank;
        var lengths = new List<string>();
        var offsets = new List<string>();
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            lengths.Add(Sizes.Product(w.Node(node.Inputs[i]).Shape.Dims.Skip(axis), w.Batch));
            offsets.Add(OffsetOf(w, node, axis, i));
        }
        return new ConcatLayout(Sizes.Range(node.Shape, 0, axis, w.Batch), Sizes.Product(node.Shape.Dims.Skip(axis), w.Batch), lengths, offsets);
    }

    /// <summary>The offset of input <paramref name="index"/> in an output row: Σ of the earlier inputs' axis sizes × the inner size.</summary>
    private static string OffsetOf(GraphCodeWriter w, CompiledNode node, int axis, int index)
    {
        long constant = 0;
        int dynamic = 0;
        for (int i = 0; i < index; i++)
        {
            Dim d = w.Node(node.Inputs[i]).Shape[axis];
            if (d.IsDynamic) dynamic++;
            else constant += d.Size;
        }
        string inner = Sizes.Product(node.Shape.Dims.Skip(axis + 1), w.Batch);
        string along = dynamic == 0 ? Sizes.Literal(constant) : "(" + string.Join(" + ", Enumerable.Repeat(w.Batch, dynamic)) + (constant > 0 ? " + " + Sizes.Literal(constant) : "") + ")";
        return inner == "1" ? along : along + " * " + inner;
    }
}
