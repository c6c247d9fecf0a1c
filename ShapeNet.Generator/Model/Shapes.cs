using System;
using System.Linq;
using System.Text;

namespace ShapeNet.Generator.Model;

/// <summary>One dimension of a shape: a name as written (a dimension type, or empty for a literal size)
/// and a size. <see cref="Size"/> is <see cref="Dynamic"/> for <c>Batch</c> and <see cref="RunTimeSeq"/> for the built-in
/// <c>Seq</c> (both sized at run time, each by its own variable); a generic dimension still unbound (a block's type parameter)
/// is <see cref="Symbolic"/>. A reshape that merges the run-time <c>Seq</c> with other dimensions makes a
/// <see cref="RunTimeProduct"/>: <c>Seq·Batch</c> ([Seq, Batch, H] → [Seq·Batch, H]) counts its factors symbolically
/// (<paramref name="Batches"/> times the batch, <paramref name="Seqs"/> times the sequence length, times <paramref name="Factor"/>), so
/// every size it enters is printed with the pass's variables, never computed at compile time.</summary>
internal readonly record struct Dim(string Name, int Size, int Batches = 0, int Seqs = 0, long Factor = 1)
{
    public const int Dynamic = -1;
    public const int Symbolic = -2;
    public const int RunTimeSeq = -3;
    public const int RunTimeProduct = -4;

    /// <summary>A product of run-time dimensions (and perhaps a static factor), made by a reshape: <c>Seq·Batch</c>.</summary>
    public bool IsProduct => Size == RunTimeProduct;

    /// <summary>How many times the batch multiplies this dimension's size (1 for <c>Batch</c>).</summary>
    public int BatchFactors => IsDynamic ? 1 : IsProduct ? Batches : 0;

    /// <summary>How many times the run-time sequence length multiplies this dimension's size (1 for <c>Seq</c>).</summary>
    public int SeqFactors => IsSeq ? 1 : IsProduct ? Seqs : 0;

    /// <summary>The static part of the size: the size of a static dimension, a product's factor, else 1.</summary>
    public long StaticFactor => IsStatic ? Size : IsProduct ? Factor : 1;

    /// <summary>The product of <paramref name="dims"/> as one dimension: a static size, <c>Batch</c>, <c>Seq</c> or a
    /// <see cref="RunTimeProduct"/> named by its factors in order (<c>Seq·Batch</c>, <c>Batch·Seq·4</c>).</summary>
    public static Dim Product(System.Collections.Generic.IEnumerable<Dim> dims)
    {
        long factor = 1;
        int batches = 0, seqs = 0;
        var names = new System.Collections.Generic.List<string>();
        foreach (Dim d in dims)
        {
            batches += d.BatchFactors;
            seqs += d.SeqFactors;
            factor = checked(factor * d.StaticFactor);
            if (d.IsDynamic) names.Add("Batch");
            else if (d.IsSeq) names.Add("Seq");
            else if (d.IsProduct) names.Add(d.Name);
        }
        if (batches == 0 && seqs == 0) return Of(checked((int)factor));
        if (factor == 1 && batches + seqs == 1) return batches == 1 ? Batch : Seq;
        string name = string.Join("·", names);
        if (factor != 1) name += "·" + factor.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new Dim(name, RunTimeProduct, batches, seqs, factor);
    }

    /// <summary>The batch (sized at run time).</summary>
    public bool IsDynamic => Size == Dynamic;

    /// <summary>The built-in <c>Seq</c>: a sequence length chosen per step, bounded by the plan's sequence capacity.</summary>
    public bool IsSeq => Size == RunTimeSeq;
    public bool IsStatic => Size >= 0;

    public static Dim Batch => new("Batch", Dynamic);

    public static Dim Seq => new("Seq", RunTimeSeq);

    public static Dim Of(int size) => new(string.Empty, size);

    /// <summary><c>Batch</c>, <c>28</c>, or <c>Side=28</c> is too noisy: messages print the size and, where
    /// the name differs from the size, let the shape's text show names separately.</summary>
    public override string ToString() => Size switch
    {
        Dynamic => Name.Length > 0 ? Name : "Batch",
        RunTimeSeq => "Seq",
        RunTimeProduct => Name,
        Symbolic => Name,
        _ => Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Two dims are the same if both are dynamic (the one batch) or both have the same size.</summary>
    public bool SameSizeAs(Dim other) => Size == other.Size && (Size != Symbolic || Name == other.Name)
        && (Size != RunTimeProduct || (Batches == other.Batches && Seqs == other.Seqs && Factor == other.Factor));
}

/// <summary>A tensor shape; rank 0 is a scalar.</summary>
internal sealed record Shape(EquatableArray<Dim> Dims)
{
    public static readonly Shape Scalar = new(EquatableArray<Dim>.Empty);

    public int Rank => Dims.Count;

    public Dim this[int axis] => Dims[axis];

    public static Shape Of(params Dim[] dims) => new(dims.ToEquatableArray());

    public bool HasDynamic => Dims.Any(d => d.BatchFactors > 0);

    /// <summary>Whether the shape has the run-time <c>Seq</c> dimension (alone or in a product such as <c>Seq·Batch</c>).</summary>
    public bool HasSeq => Dims.Any(d => d.SeqFactors > 0);

    /// <summary>The product of the static dims and of the static factors of products (run-time factors excluded).</summary>
    public long StaticElementCount => Dims.Aggregate(1L, (a, d) => checked(a * d.StaticFactor));

    public bool SameAs(Shape other) => Rank == other.Rank && Dims.Zip(other.Dims, (a, b) => a.SameSizeAs(b)).All(x => x);

    /// <summary><c>[Batch, 20, 4, 4]</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < Rank; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Dims[i].ToString());
        }
        return sb.Append(']').ToString();
    }

    /// <summary><c>[Batch, Hidden=20, 4, 4]</c>: names shown where a dimension type names a static size.</summary>
    public string ToNamedString()
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < Rank; i++)
        {
            if (i > 0) sb.Append(", ");
            Dim d = Dims[i];
            if (d.IsStatic && d.Name.Length > 0) sb.Append(d.Name).Append('=').Append(d.Size);
            else sb.Append(d.ToString());
        }
        return sb.Append(']').ToString();
    }

    public bool Equals(Shape? other) => other is not null && Dims.Equals(other.Dims);

    public override int GetHashCode() => Dims.GetHashCode();
}
