using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Planning;

/// <summary>Element counts as C# expressions: static dims multiply into one literal, each dynamic dim is the
/// batch variable (<c>batch * 784</c>, <c>512</c>, <c>batchCapacity * 10</c>). All arithmetic is checked: shape inference
/// rejects (SN0116) any tensor over <see cref="Inference.GraphBuilder.MaxTensorElements"/> first, so an overflow here is a
/// bug and surfaces as SN0900, never as a wrong size in generated code.</summary>
internal static class Sizes
{
    /// <summary>The C# variable of the run-time sequence length in a pass (the plan's <c>Sequence</c>, read once per pass).</summary>
    public const string Seq = "seq";

    /// <summary>The sequence capacity in a plan constructor.</summary>
    public const string SeqCapacity = "sequenceCapacity";

    public static string Product(IEnumerable<Dim> dims, string batch, string seq = Seq)
    {
        long constant = 1;
        int dynamic = 0, sequence = 0;
        foreach (Dim d in dims)
        {
            dynamic += d.BatchFactors;
            sequence += d.SeqFactors;
            constant = checked(constant * d.StaticFactor);
        }
        return Format(constant, dynamic, batch, sequence, seq);
    }

    /// <summary><c>seq * batch * 16</c>: the sequence variable once per <paramref name="seqDims"/>, the batch once per
    /// <paramref name="dynamicDims"/>, then the constant.</summary>
    public static string Format(long constant, int dynamicDims, string batch, int seqDims = 0, string seq = Seq)
    {
        if (dynamicDims == 0 && seqDims == 0) return Literal(constant);
        string product = string.Join(" * ", Enumerable.Repeat(seq, seqDims).Concat(Enumerable.Repeat(batch, dynamicDims)));
        product = constant == 1 ? product : product + " * " + Literal(constant);
        // At the capacities (the plan constructor) a size with the sequence length is checked: an overflow of
        // sequenceCapacity · batchCapacity · … throws when the plan is made, so no pass (at smaller sizes) can overflow.
        return seq == SeqCapacity && seqDims > 0 && seqDims + dynamicDims + (constant == 1 ? 0 : 1) > 1 ? "checked(" + product + ")" : product;
    }

    /// <summary>All elements of <paramref name="shape"/>.</summary>
    public static string Count(Shape shape, string batch, string seq = Seq) => Product(shape.Dims, batch, seq);

    /// <summary>Dims <c>[from, to)</c> of <paramref name="shape"/>.</summary>
    public static string Range(Shape shape, int from, int to, string batch) => Product(shape.Dims.Skip(from).Take(to - from), batch);

    /// <summary>The product of the static dims (the batch and the run-time sequence left out).</summary>
    public static long StaticCount(Shape shape) => shape.Dims.Aggregate(1L, (a, d) => checked(a * d.StaticFactor));

    public static int DynamicCount(Shape shape) => shape.Dims.Sum(d => d.BatchFactors);

    /// <summary>How many times the run-time <c>Seq</c> multiplies <paramref name="shape"/>'s size (a <c>Seq·Batch</c> product counts).</summary>
    public static int SeqCount(Shape shape) => shape.Dims.Sum(d => d.SeqFactors);

    /// <summary>The element count at batch <paramref name="batch"/>.</summary>
    public static long At(long constant, int dynamicDims, long batch)
    {
        long n = constant;
        for (int i = 0; i < dynamicDims; i++) n = checked(n * batch);
        return n;
    }

    public static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A float literal that round-trips (<c>2f</c>, <c>0.5f</c>, <c>-1f</c>).</summary>
    public static string Float(double value)
    {
        float f = (float)value;
        if (float.IsPositiveInfinity(f)) return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(f)) return "float.NegativeInfinity";
        if (float.IsNaN(f)) return "float.NaN";
        return f.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    /// <summary>Whether every dim is static, the batch or the run-time sequence; unbound generic dims cannot be planned.</summary>
    public static bool IsPlannable(Shape shape) => shape.Dims.All(d => d.IsStatic || d.IsDynamic || d.IsSeq || d.IsProduct);
}
