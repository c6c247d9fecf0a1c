using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Inference;

// The shape rule of each op, in one place: checks the operands, normalises the arguments (axes non-negative,
// defaults filled, DSL names mapped to canonical ops) and adds the node.
internal sealed partial class GraphBuilder
{
    private int Op(Scope scope, Node node, int[] x)
    {
        Shape a = _nodes[x[0]].Shape;
        switch (node.Op)
        {
            case "Relu": case "Sigmoid": case "Tanh": case "Exp": case "Log": case "Abs": case "Sqrt": case "Neg":
                return AddOp(node.Op, x, new NamedArg[0], a, node.Text);
            case "Pow":
                return AddOp("Pow", x, new[] { Named("p", node.Arg("exponent")!) }, a, node.Text);
            case "AddScalar": case "MulScalar": case "RSubScalar": case "RDivScalar":
                return AddOp(node.Op, x, node.Args.ToArray(), a, node.Text);
            case "Detach":
                return Add("Detach", x, new NamedArg[0], a, node.Text, string.Empty, new int[0], requiresGrad: false);
            case "Add": case "Sub": case "Mul": case "Div":
                return Broadcast(scope, node, x);
            case "Softmax": case "LogSoftmax":
            {
                int? axis = Axis(scope, node, a, int.Parse(node.Arg("axis")!, CultureInfo.InvariantCulture));
                return axis is null ? -1 : AddOp(node.Op, x, new[] { Named("axis", axis.Value) }, a, node.Text);
            }
            case "Flatten":
                return Flatten(scope, node, x[0]);
            case "Reshape":
                return Reshape(scope, node, x[0]);
            case "Transpose":
                return Transpose(scope, node, x[0]);
            case "Concat":
                return Concat(scope, node, x);
            case "MatMul":
                return MatMul(scope, node, x);
            case "Dot":
            {
                Shape b = _nodes[x[1]].Shape;
                if (a.Rank != 1) return Fail(scope, DiagnosticDescriptors.RankMismatch, node.Location, node.Text, "two vectors (rank 1)", _nodes[x[0]].Text, a.ToNamedString());
                if (b.Rank != 1) return Fail(scope, DiagnosticDescriptors.RankMismatch, node.Location, node.Text, "two vectors (rank 1)", _nodes[x[1]].Text, b.ToNamedString());
                if (!a[0].SameSizeAs(b[0]))
                    return Fail(scope, DiagnosticDescriptors.MatMulInner, node.Location, node.Text, a.ToNamedString(), b.ToNamedString(), $"the vectors have {a[0]} and {b[0]} elements");
                return AddOp("MatMul", x, new NamedArg[0], Shape.Scalar, node.Text);
            }
            case "Sum": case "Mean":
                return Reduce(scope, node, x[0]);
            case "MaxPool2d": case "AvgPool2d":
                return Pool(scope, node, x[0]);
            case "AdaptiveAvgPool2d":
            {
                int size = int.Parse(node.Arg("outputSize")!, CultureInfo.InvariantCulture);
                if (size != 1)
                    return Fail(scope, DiagnosticDescriptors.WrongArguments, node.Location, "AdaptiveAvgPool2d", node.Text,
                        $"only outputSize 1 (a global average pool, [N, C, 1, 1]) is supported, but it is {size}");
                return GlobalAvgPool(scope, node, x[0]);
            }
            case "GlobalAvgPool":
                return GlobalAvgPool(scope, node, x[0]);
            case "Dropout":
            {
                double p = double.Parse(node.Arg("p")!, CultureInfo.InvariantCulture);
                if (!(p >= 0 && p < 1))
                    return Fail(scope, DiagnosticDescriptors.WrongArguments, node.Location, "Dropout", node.Text,
                        $"the drop probability p must be in [0, 1), but it is {node.Arg("p")}");
                return AddOp("Dropout", x, new[] { Named("p", node.Arg("p")!) }, a, node.Text);
            }
            default:
                if (OpCatalog.Losses.Contains(node.Op)) return Loss(scope, node, x);
                return Fail(scope, DiagnosticDescriptors.InternalError, node.Location, node.Text, "no shape rule for op " + node.Op);
        }
    }

    private int? Axis(Scope scope, Node node, Shape shape, int axis)
    {
        int normalized = axis < 0 ? axis + shape.Rank : axis;
        if (normalized >= 0 && normalized < shape.Rank) return normalized;
        Fail(scope, DiagnosticDescriptors.AxisOutOfRange, node.Location, node.Text, axis, shape.Rank, shape.ToNamedString());
        return null;
    }

    /// <summary>NumPy broadcasting: align on the right; sizes equal, or one of them 1. Batch only matches Batch or 1.</summary>
    private int Broadcast(Scope scope, Node node, int[] x)
    {
        Shape a = _nodes[x[0]].Shape, b = _nodes[x[1]].Shape;
        int rank = System.Math.Max(a.Rank, b.Rank);
        var dims = new Dim[rank];
        for (int i = 1; i <= rank; i++)
        {
            Dim? da = i <= a.Rank ? a[a.Rank - i] : null;
            Dim? db = i <= b.Rank ? b[b.Rank - i] : null;
            Dim result;
            if (da is null) result = db!.Value;
            else if (db is null) result = da.Value;
            else if (da.Value.SameSizeAs(db.Value)) result = da.Value.Name.Length > 0 ? da.Value : db.Value;
            else if (da.Value.Size == 1) result = db.Value;
            else if (db.Value.Size == 1) result = da.Value;
            else
            {
                string why = $"axis {rank - i} of the result would need {da.Value} and {db.Value} to be equal, or one of them 1";
                return Fail(scope, DiagnosticDescriptors.CannotBroadcast, node.Location, node.Text,
                    $"{_nodes[x[0]].Text} {a.ToNamedString()}", $"{_nodes[x[1]].Text} {b.ToNamedString()}", why);
            }
            dims[rank - i] = result;
        }
        return AddOp(node.Op, x, new NamedArg[0], new Shape(dims.ToEquatableArray()), node.Text);
    }

    private int Flatten(Scope scope, Node node, int input)
    {
        Shape a = _nodes[input].Shape;
        int start = int.Parse(node.Arg("startDim")!, CultureInfo.InvariantCulture);
        if (a.Rank == 0) return Fail(scope, DiagnosticDescriptors.RankMismatch, node.Location, node.Text, "a tensor of rank 1 or more", _nodes[input].Text, a.ToNamedString());
        int? axis = Axis(scope, node, a, start);
        if (axis is null) return -1;
        var kept = a.Dims.Take(axis.Value).ToList();
        var merged = a.Dims.Skip(axis.Value).ToList();
        if (merged.Count(d => !d.IsStatic) > 0 && merged.Count > 1)
            return Fail(scope, DiagnosticDescriptors.ReshapeBatch, node.Location, node.Text,
                $"flattening from axis {axis} would merge {string.Join(", ", merged.Where(d => !d.IsStatic))} into a static dimension; flatten from axis 1 (the default) to keep the batch");
        Dim flat = merged.Count == 1 ? merged[0] : Dim.Of((int)merged.Aggregate(1L, (p, d) => p * d.Size));
        kept.Add(flat);
        int id = AddOp("Reshape", new[] { input }, new[] { Named("from", "Flatten") }, new Shape(kept.ToEquatableArray()), node.Text);
        _flattenSources[id] = (FirstArgument(node.Text) ?? _nodes[input].Text, a, axis.Value);
        return id;
    }

    /// <summary>The first argument of a call's text as written (<c>h</c> in <c>Flatten(h, 1)</c>), or null.</summary>
    private static string? FirstArgument(string call)
    {
        int open = call.IndexOf('(');
        if (open < 0 || !call.EndsWith(")")) return null;
        int depth = 0;
        for (int i = open + 1; i < call.Length - 1; i++)
        {
            char c = call[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth--;
            else if (c == ',' && depth == 0) return call.Substring(open + 1, i - open - 1).Trim();
        }
        string all = call.Substring(open + 1, call.Length - open - 2).Trim();
        return all.Length > 0 ? all : null;
    }

    private int Reshape(Scope scope, Node node, int input)
    {
        Shape a = _nodes[input].Shape;
        int[] requested = new NamedArg("shape", node.Arg("shape")!).AsInts();
        string requestedText = string.Join(", ", requested);
        int inferred = System.Array.IndexOf(requested, -1);
        if (requested.Count(s => s == -1) > 1 || requested.Any(s => s < -1 || s == 0))
            return Fail(scope, DiagnosticDescriptors.ReshapeBatch, node.Location, node.Text, $"sizes must be positive, with at most one -1 to infer, but [{requestedText}] was given");
        long known = requested.Where(s => s > 0).Aggregate(1L, (p, s) => p * s);
        long staticCount = a.StaticElementCount;
        var dims = requested.Select(Dim.Of).ToArray();
        if (a.HasDynamic)
        {
            if (inferred < 0)
                return Fail(scope, DiagnosticDescriptors.ReshapeBatch, node.Location, node.Text, $"{_nodes[input].Text} {a.ToNamedString()} has the run-time dimension Batch; write -1 where the batch goes");
            if (known != staticCount)
                return Fail(scope, DiagnosticDescriptors.ReshapeBatch, node.Location, node.Text,
                    $"-1 can stand for Batch only when the other sizes multiply to the rest of {a.ToNamedString()} ({staticCount}), but they multiply to {known}");
            dims[inferred] = Dim.Batch;
        }
        else if (inferred >= 0)
        {
            if (known == 0 || staticCount % known != 0)
                return Fail(scope, DiagnosticDescriptors.ReshapeCount, node.Location, node.Text, a.ToNamedString(), staticCount, requestedText, "a multiple of " + known);
            dims[inferred] = Dim.Of((int)(staticCount / known));
        }
        else if (known != staticCount)
        {
            return Fail(scope, DiagnosticDescriptors.ReshapeCount, node.Location, node.Text, a.ToNamedString(), staticCount, requestedText, known);
        }
        return AddOp("Reshape", new[] { input }, new[] { Named("from", "Reshape") }, new Shape(dims.ToEquatableArray()), node.Text);
    }

    private int Transpose(Scope scope, Node node, int input)
    {
        Shape a = _nodes[input].Shape;
        int d0, d1;
        if (node.Arg("dim0") is null)
        {
            if (a.Rank < 2) return Fail(scope, DiagnosticDescriptors.RankMismatch, node.Location, node.Text, "a tensor of rank 2 or more", _nodes[input].Text, a.ToNamedString());
            d0 = a.Rank - 2;
            d1 = a.Rank - 1;
        }
        else
        {
            int? n0 = Axis(scope, node, a, int.Parse(node.Arg("dim0")!, CultureInfo.InvariantCulture));
            int? n1 = n0 is null ? null : Axis(scope, node, a, int.Parse(node.Arg("dim1")!, CultureInfo.InvariantCulture));
            if (n0 is null || n1 is null) return -1;
            d0 = n0.Value;
            d1 = n1.Value;
        }
        int[] perm = Enumerable.Range(0, a.Rank).ToArray();
        perm[d0] = d1;
        perm[d1] = d0;
        var dims = perm.Select(p => a[p]).ToEquatableArray();
        return AddOp("Permute", new[] { input }, new[] { Named("perm", string.Join(",", perm)) }, new Shape(dims), node.Text);
    }

    private int Concat(Scope scope, Node node, int[] x)
    {
        Shape first = _nodes[x[0]].Shape;
        int? axis = Axis(scope, node, first, int.Parse(node.Arg("axis")!, CultureInfo.InvariantCulture));
        if (axis is null) return -1;
        bool fits = x.All(i => _nodes[i].Shape.Rank == first.Rank)
            && x.All(i => Enumerable.Range(0, first.Rank).All(d => d == axis || _nodes[i].Shape[d].SameSizeAs(first[d])));
        if (!fits)
        {
            string all = string.Join(", ", x.Select(i => $"{_nodes[i].Text} {_nodes[i].Shape.ToNamedString()}"));
            return Fail(scope, DiagnosticDescriptors.ConcatMismatch, node.Location, node.Text, axis.Value, "the inputs differ on another axis: " + all);
        }
        if (x.Any(i => !_nodes[i].Shape[axis.Value].IsStatic))
            return Fail(scope, DiagnosticDescriptors.ConcatMismatch, node.Location, node.Text, axis.Value, "it is the batch axis, whose size is known only at run time; concatenate along a feature axis");
        int total = x.Sum(i => _nodes[i].Shape[axis.Value].Size);
        var dims = first.Dims.ToArray();
        dims[axis.Value] = Dim.Of(total);
        return AddOp("Concat", x, new[] { Named("axis", axis.Value) }, new Shape(dims.ToEquatableArray()), node.Text);
    }

    /// <summary>torch.matmul for ranks 1 and 2, and batched products of equal-rank operands with equal leading dims.</summary>
    private int MatMul(Scope scope, Node node, int[] x)
    {
        Shape a = _nodes[x[0]].Shape, b = _nodes[x[1]].Shape;
        string ta = _nodes[x[0]].Text, tb = _nodes[x[1]].Text;
        if (a.Rank == 0 || b.Rank == 0)
            return Fail(scope, DiagnosticDescriptors.RankMismatch, node.Location, node.Text, "operands of rank 1 or more", a.Rank == 0 ? ta : tb, (a.Rank == 0 ? a : b).ToNamedString());
        Dim ka = a[a.Rank - 1];
        Dim kb = b.Rank == 1 ? b[0] : b[b.Rank - 2];
        if (!ka.SameSizeAs(kb))
            return Fail(scope, DiagnosticDescriptors.MatMulInner, node.Location, node.Text, a.ToNamedString(), b.ToNamedString(),
                $"the inner dimensions differ ({ta} has {ka} columns, {tb} has {kb} rows)");
        if (a.Rank > 2 || b.Rank > 2)
        {
            if (a.Rank != b.Rank || Enumerable.Range(0, a.Rank - 2).Any(i => !a[i].SameSizeAs(b[i])))
                return Fail(scope, DiagnosticDescriptors.MatMulInner, node.Location, node.Text, a.ToNamedString(), b.ToNamedString(),
                    "a batched product needs operands of the same rank with the same leading dimensions");
        }
        var dims = new List<Dim>();
        if (a.Rank > 2) dims.AddRange(a.Dims.Take(a.Rank - 2));
        if (a.Rank >= 2) dims.Add(a[a.Rank - 2]);
        if (b.Rank >= 2) dims.Add(b[b.Rank - 1]);
        return AddOp("MatMul", x, new NamedArg[0], new Shape(dims.ToEquatableArray()), node.Text);
    }

    private int Reduce(Scope scope, Node node, int input)
    {
        Shape a = _nodes[input].Shape;
        bool keepDim = node.Arg("keepDim") == "true";
        string? axisArg = node.Arg("axis");
        var axes = new SortedSet<int>();
        if (axisArg is null)
        {
            for (int i = 0; i < a.Rank; i++) axes.Add(i);
        }
        else
        {
            foreach (int axis in new NamedArg("axis", axisArg).AsInts())
            {
                int? n = Axis(scope, node, a, axis);
                if (n is null) return -1;
                axes.Add(n.Value);
            }
        }
        var dims = new List<Dim>();
        for (int i = 0; i < a.Rank; i++)
        {
            if (!axes.Contains(i)) dims.Add(a[i]);
            else if (keepDim) dims.Add(Dim.Of(1));
        }
        return AddOp(node.Op, new[] { input }, new[] { Named("axes", string.Join(",", axes)), Named("keepDim", keepDim ? "true" : "false") },
            new Shape(dims.ToEquatableArray()), node.Text);
    }

    private int Loss(Scope scope, Node node, int[] x)
    {
        Shape input = _nodes[x[0]].Shape, target = _nodes[x[1]].Shape;
        bool classIndices = node.Op is "CrossEntropyLoss" or "NllLoss";
        if (classIndices)
        {
            if (input.Rank != 2 || target.Rank != 1 || !input[0].SameSizeAs(target[0]))
                return Fail(scope, DiagnosticDescriptors.LossShapes, node.Location, node.Text,
                    $"{node.Op} takes scores [N, classes] and class indices [N], but {_nodes[x[0]].Text} is {input.ToNamedString()} and {_nodes[x[1]].Text} is {target.ToNamedString()}");
        }
        else if (!input.SameAs(target))
        {
            return Fail(scope, DiagnosticDescriptors.LossShapes, node.Location, node.Text,
                $"{node.Op} takes an input and a target of the same shape, but {_nodes[x[0]].Text} is {input.ToNamedString()} and {_nodes[x[1]].Text} is {target.ToNamedString()}");
        }
        return AddOp(node.Op, x, new[] { Named("reduction", node.Arg("reduction")!) }, Shape.Scalar, node.Text);
    }

    // ---- convolution family (NCHW) ---------------------------------------------------------------

    /// <summary>Checks that <paramref name="input"/> is [N, C, H, W] with static C, H and W (SN0110 otherwise).</summary>
    private bool Nchw(Scope scope, Node node, int input, string what)
    {
        Shape a = _nodes[input].Shape;
        if (a.Rank == 4 && a[1].IsStatic && a[2].IsStatic && a[3].IsStatic) return true;
        string need = a.Rank == 4 ? what + " [N, C, H, W] with static C, H and W" : what + " [N, C, H, W] of rank 4";
        Fail(scope, DiagnosticDescriptors.RankMismatch, node.Location, node.Text, need, _nodes[input].Text, a.ToNamedString());
        return false;
    }

    private int Conv2d(Scope scope, Node node, LayerModel layer, int input)
    {
        if (!Nchw(scope, node, input, "an input")) return -1;
        Shape x = _nodes[input].Shape;
        int inChannels = ArgInt(layer.Args, "in"), outChannels = ArgInt(layer.Args, "out");
        if (x[1].Size != inChannels)
            return Fail(scope, DiagnosticDescriptors.ConvInChannels, node.Location, layer.MemberName, inChannels, _nodes[input].Text, x[1].ToString(), x.ToNamedString());
        int? oh = ConvOutput(scope, node, input, "height", x[2].Size, ArgInt(layer.Args, "kh"), ArgInt(layer.Args, "sh"), ArgInt(layer.Args, "ph"), ArgInt(layer.Args, "dh"));
        if (oh is null) return -1;
        int? ow = ConvOutput(scope, node, input, "width", x[3].Size, ArgInt(layer.Args, "kw"), ArgInt(layer.Args, "sw"), ArgInt(layer.Args, "pw"), ArgInt(layer.Args, "dw"));
        if (ow is null) return -1;
        int first = scope.ParameterBase[layer.MemberName];
        int[] parameters = Arg(layer.Args, "bias") == "true" ? new[] { first, first + 1 } : new[] { first };
        var shape = Shape.Of(x[0], Dim.Of(outChannels), Dim.Of(oh.Value), Dim.Of(ow.Value));
        return Add("Conv2d", new[] { input }, layer.Args.ToArray(), shape, node.Text, scope.Path + layer.ModuleName, parameters, requiresGrad: true);
    }

    /// <summary>BatchNorm2d: [N, C, H, W] with C = its features (SN0112, like a convolution's in-channels) to the same shape; the node
    /// references the layer's weight and bias (when affine) and its three buffers.</summary>
    private int BatchNorm2d(Scope scope, Node node, LayerModel layer, int input)
    {
        if (!Nchw(scope, node, input, "an input")) return -1;
        Shape x = _nodes[input].Shape;
        int features = ArgInt(layer.Args, "features");
        if (x[1].Size != features)
            return Fail(scope, DiagnosticDescriptors.ConvInChannels, node.Location, layer.MemberName, features, _nodes[input].Text, x[1].ToString(), x.ToNamedString());
        int first = scope.ParameterBase[layer.MemberName];
        int[] parameters = Arg(layer.Args, "affine") == "true" ? new[] { first, first + 1 } : new int[0];
        string path = scope.Path + layer.ModuleName;
        int buffer = _bufferBase[path];
        int id = Add("BatchNorm2d", new[] { input }, layer.Args.ToArray(), x, node.Text, path, parameters, requiresGrad: parameters.Length > 0 || _nodes[input].RequiresGrad);
        _nodes[id] = _nodes[id] with { Buffers = EquatableArray.Create(buffer, buffer + 1, buffer + 2) };
        return id;
    }

    /// <summary>floor((size + 2·pad − dilation·(kernel − 1) − 1) / stride) + 1, or null after SN0114 when it is not positive.</summary>
    private int? ConvOutput(Scope scope, Node node, int input, string axis, int size, int kernel, int stride, int pad, int dilation)
    {
        int numerator = size + 2 * pad - dilation * (kernel - 1) - 1;
        int result = FloorDiv(numerator, stride) + 1;
        if (result > 0) return result;
        string formula = $"floor(({size} + 2·{pad} − {dilation}·({kernel}−1) − 1)/{stride}) + 1 = {result}";
        Fail(scope, DiagnosticDescriptors.ConvOutputSize, node.Location, node.Text, axis, formula, _nodes[input].Text, _nodes[input].Shape.ToNamedString());
        return null;
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>MaxPool2d / AvgPool2d with a square window: stride 0 means the kernel; PyTorch requires padding ≤ kernel / 2.</summary>
    private int Pool(Scope scope, Node node, int input)
    {
        int kernel = int.Parse(node.Arg("kernel")!, CultureInfo.InvariantCulture);
        int stride = int.Parse(node.Arg("stride")!, CultureInfo.InvariantCulture);
        int padding = int.Parse(node.Arg("padding")!, CultureInfo.InvariantCulture);
        string? problem = kernel <= 0 ? $"the kernel must be positive, but it is {kernel}"
            : stride < 0 ? $"the stride must be positive (or 0 for the kernel size), but it is {stride}"
            : padding < 0 ? $"the padding must not be negative, but it is {padding}"
            : 2 * padding > kernel ? $"the padding must be at most half the kernel, but it is {padding} for a kernel of {kernel}"
            : null;
        if (problem is not null) return Fail(scope, DiagnosticDescriptors.WrongArguments, node.Location, node.Op, node.Text, problem);
        if (stride == 0) stride = kernel;
        if (!Nchw(scope, node, input, "an input")) return -1;
        Shape x = _nodes[input].Shape;
        var outSizes = new int[2];
        for (int i = 0; i < 2; i++)
        {
            int size = x[2 + i].Size;
            if (size + 2 * padding < kernel)
                return Fail(scope, DiagnosticDescriptors.PoolWindowTooLarge, node.Location, node.Text, kernel, i == 0 ? "height" : "width",
                    size, padding, size + 2 * padding, _nodes[input].Text, x.ToNamedString());
            outSizes[i] = (size + 2 * padding - kernel) / stride + 1;
        }
        var args = new List<NamedArg> { Named("kh", kernel), Named("kw", kernel), Named("sh", stride), Named("sw", stride), Named("ph", padding), Named("pw", padding) };
        if (node.Op == "AvgPool2d") args.Add(Named("countIncludePad", node.Arg("countIncludePad")!));
        return AddOp(node.Op, new[] { input }, args.ToArray(), Shape.Of(x[0], x[1], Dim.Of(outSizes[0]), Dim.Of(outSizes[1])), node.Text);
    }

    private int GlobalAvgPool(Scope scope, Node node, int input)
    {
        if (!Nchw(scope, node, input, "an input")) return -1;
        Shape x = _nodes[input].Shape;
        return AddOp("GlobalAvgPool", new[] { input }, new NamedArg[0], Shape.Of(x[0], x[1], Dim.Of(1), Dim.Of(1)), node.Text);
    }
}
