using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Planning;

/// <summary>A workspace shared by every node that asks for it under one name: its length is the largest of their
/// <see cref="Lengths"/> (backend calls evaluated in the plan constructor at the batch capacity).</summary>
/// <summary>A field the plan constructor initialises once, after the parameters and buffers (the constructor's backend is
/// <c>backend</c>): <c>private readonly {Type} {Field} = {Initializer}</c>. Calls refer to it by name.</summary>
internal sealed record PlanHandle(string Field, string Type, string Initializer, string Comment);

internal sealed record WorkspaceRequest(string Field, string Comment, string SummaryNote, List<BackendCall> Lengths);

/// <summary>What an op definition's <c>Plan</c> asks the buffer plan for, besides the node's output values.</summary>
internal sealed class PlanContext : NodeInfo
{
    private readonly BufferPlan _plan;

    public PlanContext(BufferPlan plan, CompiledNode node) : base(plan.Graph, node) => _plan = plan;

    /// <summary>A per-node buffer the backward reads (max-pooling indices, a dropout mask), named <c>_{role}{node id}</c>.</summary>
    public void Auxiliary(string role, Shape shape) => _plan.AddAuxiliary(Id, role, shape, $"{role} of {Text}: {shape}");

    /// <summary>A shape as a constant int array of <paramref name="rank"/> entries (left-padded with 1), the batch entries set
    /// at each pass; equal arrays are shared.</summary>
    public void ShapeArray(string role, Shape shape, int rank)
    {
        int pad = rank - shape.Rank;
        var values = new List<string>();
        var dynamic = new List<int>();
        var seq = new List<int>();
        var products = new List<(int Index, SizeExpr Size, string Name)>();
        for (int i = 0; i < pad; i++) values.Add("1");
        foreach (Dim d in shape.Dims)
        {
            if (d.IsDynamic) dynamic.Add(values.Count);
            if (d.IsSeq) seq.Add(values.Count);
            if (d.IsProduct) products.Add((values.Count, SizeExpr.Product(new[] { d }), d.Name));
            values.Add(d.IsStatic ? Sizes.Literal(d.Size) : "0");
        }
        string comment = "[" + string.Join(", ", values.Select((v, i) => dynamic.Contains(i) ? "Batch" : seq.Contains(i) ? "Seq"
            : products.FirstOrDefault(p => p.Index == i).Name ?? v)) + "]";
        _plan.AddArray(Id, role, "int", values, dynamic, comment, "_shape", seq, products.Select(p => (p.Index, p.Size)).ToList());
    }

    /// <summary>A constant int array (a permutation), named <paramref name="prefix"/> + a number; equal arrays are shared.</summary>
    public void IntArray(string role, IEnumerable<int> values, string comment, string prefix) =>
        _plan.AddArray(Id, role, "int", values.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(), new List<int>(), comment, prefix);

    /// <summary>A constant bool array (reduce flags).</summary>
    public void BoolArray(string role, IEnumerable<bool> values, string comment, string prefix) =>
        _plan.AddArray(Id, role, "bool", values.Select(v => v ? "true" : "false").ToList(), new List<int>(), comment, prefix);

    /// <summary>Shares the workspace <paramref name="field"/> with every other node that asks for it; its length is the
    /// largest <paramref name="length"/> (a backend call of sizes at the batch capacity).</summary>
    public void Workspace(string field, string comment, string summaryNote, BackendCall length) => _plan.AddWorkspace(field, comment, summaryNote, length);

    /// <summary>The activation this layer's kernel applies (see <see cref="CallContext.FusedActivation"/>).</summary>
    public CallArg FusedActivation => _plan.FusedActivation(Id);

    /// <summary>The plan field of descriptor <paramref name="type"/>(<paramref name="arguments"/>): the one a call argument
    /// <c>CallArg.Descriptor(type, …)</c> with the same constants prints.</summary>
    public string DescriptorField(string type, IReadOnlyList<string> arguments, string comment) => _plan.Descriptor(type, string.Join(", ", arguments), comment, CallArg.NoBatch);

    /// <summary>A field made once in the plan constructor (bound recurrent parameters); shared by name.</summary>
    public void Handle(string field, string type, string initializer, string comment) => _plan.AddHandle(new PlanHandle(field, type, initializer, comment));

    /// <summary>The plan field of parameter <paramref name="name"/> of this layer (<c>_gru1_weight_ih_l0</c>), or of its gradient.</summary>
    public string ParameterField(string name, bool gradient)
    {
        ParameterInfo p = Graph.Parameters[ParameterIndex(name)];
        return gradient ? BufferPlan.ParameterGradientName(p) : BufferPlan.ParameterValueName(p);
    }

    /// <summary>The plan keeps a dropout seed and a step counter (a new mask each training step).</summary>
    public void UsesDropoutSeed() => _plan.HasDropout = true;

    /// <summary>The sizes are computed with the batch capacity in the plan constructor.</summary>
    public static SizeExpr Count(Shape shape) => SizeExpr.Product(shape.Dims);
}
