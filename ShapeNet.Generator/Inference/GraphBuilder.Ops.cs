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
        _flattenSources[id] = (_nodes[input].Text, a, axis.Value);
        return id;
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
}
