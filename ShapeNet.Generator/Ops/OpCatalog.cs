using System.Collections.Generic;

namespace ShapeNet.Generator.Ops;

/// <summary>How a DSL call's non-tensor argument is read.</summary>
internal enum ArgKind
{
    Int,
    Double,
    Bool,
    /// <summary>An int or an int array (<c>new[] {0, 1}</c> or <c>[0, 1]</c>).</summary>
    Axes,
    /// <summary>A <c>params int[]</c> shape, −1 allowed once.</summary>
    IntList,
    Reduction,
}

/// <summary>A non-tensor parameter of a DSL op: its C# name, kind and default (null when required).</summary>
internal sealed record ArgSpec(string Name, ArgKind Kind, string? Default);

/// <summary>A DSL op as users call it (<c>Softmax(x, axis)</c>): the method name, how many tensor operands
/// come first (<see cref="OpSpec.TensorList"/> for <c>Concat([a, b], axis)</c>), and its other parameters.</summary>
internal sealed record OpSpec(string DslName, int TensorOperands, IReadOnlyList<ArgSpec> Args, string Canonical)
{
    public const int TensorList = -1;
}

/// <summary>
/// The ops the generator understands, by the name users call them with in a <c>[Forward]</c> body. The runtime's
/// <c>ShapeNet.Ops</c> declares the same methods (eager versions). Canonical names are what shape inference,
/// the gradient rules and the emitter key on:
/// <list type="bullet">
/// <item><c>Input</c> (arg <c>index</c>), <c>Linear</c> (args <c>in</c>, <c>out</c>, <c>bias</c>; parameters weight, bias).</item>
/// <item>Unary: <c>Relu Sigmoid Tanh Exp Log Abs Sqrt Neg</c>; <c>Pow</c> (arg <c>p</c>); scalar forms <c>AddScalar MulScalar
/// RSubScalar RDivScalar</c> (arg <c>c</c>): x+c, x·c, c−x, c/x.</item>
/// <item>Binary with broadcasting: <c>Add Sub Mul Div</c>.</item>
/// <item><c>MatMul</c> (torch.matmul for ranks 1–2; batched for rank ≥ 3 with equal leading dims; <c>Dot</c> becomes
/// a 1-D·1-D MatMul), <c>Permute</c> (arg <c>perm</c>), <c>Reshape</c> (Flatten and Reshape; an alias, the shape is the
/// node's), <c>Detach</c> (an alias that stops the gradient), <c>Concat</c> (arg <c>axis</c>).</item>
/// <item><c>Conv2d</c> (layer; args <c>in out kh kw sh sw ph pw dh dw groups bias</c>; parameters weight [out, in/groups, kh, kw],
/// bias [out]); <c>MaxPool2d</c> (args <c>kh kw sh sw ph pw</c>), <c>AvgPool2d</c> (the same and <c>countIncludePad</c>),
/// <c>GlobalAvgPool</c> (no args; also <c>AdaptiveAvgPool2d(x, 1)</c>): all on [N, C, H, W]; <c>Dropout</c> (arg <c>p</c>, any shape).</item>
/// <item><c>BatchNorm2d</c> (layer; args <c>features eps momentum affine</c>; parameters weight [C], bias [C] when affine; buffers
/// running_mean [C], running_var [C], num_batches_tracked []): [N, C, H, W] to the same shape.</item>
/// <item><c>Sum Mean</c> (args <c>axes</c> sorted and non-negative, <c>keepDim</c>), <c>Softmax LogSoftmax</c> (arg <c>axis</c>).</item>
/// <item>Losses <c>MseLoss BceLoss BceWithLogitsLoss CrossEntropyLoss NllLoss</c> (arg <c>reduction</c>: <c>Mean</c>/<c>Sum</c>):
/// inputs (input, target), a scalar output.</item>
/// </list>
/// </summary>
internal static class OpCatalog
{
    private static readonly ArgSpec[] None = new ArgSpec[0];
    private static readonly ArgSpec[] ReductionArg = { new("reduction", ArgKind.Reduction, "Mean") };

    public static readonly IReadOnlyDictionary<string, OpSpec[]> ByDslName = Build(
        Unary("Relu"), Unary("Sigmoid"), Unary("Tanh"), Unary("Exp"), Unary("Log"), Unary("Abs"), Unary("Sqrt"),
        new OpSpec("Pow", 1, new[] { new ArgSpec("exponent", ArgKind.Double, null) }, "Pow"),
        Unary("Detach"),
        new OpSpec("Softmax", 1, new[] { new ArgSpec("axis", ArgKind.Int, null) }, "Softmax"),
        new OpSpec("LogSoftmax", 1, new[] { new ArgSpec("axis", ArgKind.Int, null) }, "LogSoftmax"),
        new OpSpec("Flatten", 1, new[] { new ArgSpec("startDim", ArgKind.Int, "1") }, "Reshape"),
        new OpSpec("Reshape", 1, new[] { new ArgSpec("shape", ArgKind.IntList, null) }, "Reshape"),
        new OpSpec("Transpose", 1, None, "Permute"),
        new OpSpec("Transpose", 1, new[] { new ArgSpec("dim0", ArgKind.Int, null), new ArgSpec("dim1", ArgKind.Int, null) }, "Permute"),
        new OpSpec("Concat", OpSpec.TensorList, new[] { new ArgSpec("axis", ArgKind.Int, "0") }, "Concat"),
        new OpSpec("MaxPool2d", 1, new[] { new ArgSpec("kernel", ArgKind.Int, null), new ArgSpec("stride", ArgKind.Int, "0"), new ArgSpec("padding", ArgKind.Int, "0") }, "MaxPool2d"),
        new OpSpec("AvgPool2d", 1, new[] { new ArgSpec("kernel", ArgKind.Int, null), new ArgSpec("stride", ArgKind.Int, "0"), new ArgSpec("padding", ArgKind.Int, "0"),
            new ArgSpec("countIncludePad", ArgKind.Bool, "true") }, "AvgPool2d"),
        new OpSpec("AdaptiveAvgPool2d", 1, new[] { new ArgSpec("outputSize", ArgKind.Int, null) }, "GlobalAvgPool"),
        new OpSpec("GlobalAvgPool", 1, None, "GlobalAvgPool"),
        new OpSpec("Dropout", 1, new[] { new ArgSpec("p", ArgKind.Double, null) }, "Dropout"),
        new OpSpec("MatMul", 2, None, "MatMul"),
        new OpSpec("Dot", 2, None, "Dot"),
        new OpSpec("Sum", 1, None, "Sum"),
        new OpSpec("Sum", 1, new[] { new ArgSpec("axis", ArgKind.Axes, null), new ArgSpec("keepDim", ArgKind.Bool, "false") }, "Sum"),
        new OpSpec("Mean", 1, None, "Mean"),
        new OpSpec("Mean", 1, new[] { new ArgSpec("axis", ArgKind.Axes, null), new ArgSpec("keepDim", ArgKind.Bool, "false") }, "Mean"),
        new OpSpec("MseLoss", 2, ReductionArg, "MseLoss"),
        new OpSpec("BceLoss", 2, ReductionArg, "BceLoss"),
        new OpSpec("BceWithLogitsLoss", 2, ReductionArg, "BceWithLogitsLoss"),
        new OpSpec("CrossEntropyLoss", 2, ReductionArg, "CrossEntropyLoss"),
        new OpSpec("NllLoss", 2, ReductionArg, "NllLoss"));

    /// <summary>Canonical element-wise unary ops (a <c>UnaryOp</c> of the backend each).</summary>
    public static readonly HashSet<string> UnaryOps = new()
    {
        "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Abs", "Sqrt", "Neg", "Pow", "AddScalar", "MulScalar", "RSubScalar", "RDivScalar",
    };

    public static readonly HashSet<string> BinaryOps = new() { "Add", "Sub", "Mul", "Div" };

    public static readonly HashSet<string> Losses = new() { "MseLoss", "BceLoss", "BceWithLogitsLoss", "CrossEntropyLoss", "NllLoss" };

    /// <summary>Layer attributes (by attribute class name without <c>Attribute</c>) the generator knows.</summary>
    public static readonly HashSet<string> LayerKinds = new() { "Linear", "Conv2d", "BatchNorm2d" };

    public static IEnumerable<string> DslNames => ByDslName.Keys;

    private static OpSpec Unary(string name) => new(name, 1, None, name);

    private static IReadOnlyDictionary<string, OpSpec[]> Build(params OpSpec[] specs)
    {
        var map = new Dictionary<string, List<OpSpec>>();
        foreach (OpSpec s in specs)
        {
            if (!map.TryGetValue(s.DslName, out List<OpSpec>? list)) map[s.DslName] = list = new List<OpSpec>();
            list.Add(s);
        }
        var result = new Dictionary<string, OpSpec[]>();
        foreach (KeyValuePair<string, List<OpSpec>> kv in map) result[kv.Key] = kv.Value.ToArray();
        return result;
    }
}
