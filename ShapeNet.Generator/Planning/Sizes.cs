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
    public static string Product(IEnumerable<Dim> dims, string batch)
    {
        long constant = 1;
        int dynamic = 0;
        foreach (Dim d in dims)
        {
            if (d.IsDynamic) dynamic++;
            else constant = checked(constant * d.Size);
        }
        return Format(constant, dynamic, batch);
    }

    public static string Format(long constant, int dynamicDims, string batch)
    {
        if (dynamicDims == 0) return Literal(constant);
        string product = string.Join(" * ", Enumerable.Repeat(batch, dynamicDims));
        return constant == 1 ? product : product + " * " + Literal(constant);
    }

    /// <summary>All elements of <paramref name="shape"/>.</summary>
    public static string Count(Shape shape, string batch) => Product(shape.Dims, batch);

    /// <summary>Dims <c>[from, to)</c> of <paramref name="shape"/>.</summary>
    public static string Range(Shape shape, int from, int to, string batch) => Product(shape.Dims.Skip(from).Take(to - from), batch);

    public static long StaticCount(Shape shape) => shape.Dims.Where(d => !d.IsDynamic).Aggregate(1L, (a, d) => checked(a * d.Size));

    public static int DynamicCount(Shape shape) => shape.Dims.Count(d => d.IsDynamic);

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

    /// <summary>Whether every dim is static or the one dynamic (batch) dim; unbound generic dims cannot be planned.</summary>
    public static bool IsPlannable(Shape shape) => shape.Dims.All(d => d.IsStatic || d.IsDynamic);
}
