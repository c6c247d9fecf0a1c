using System;
using System.Linq;
using System.Text;

namespace ShapeNet.Generator.Model;

/// <summary>One dimension of a shape: a name as written (a dimension type, or empty for a literal size)
/// and a size. <see cref="Size"/> is <see cref="Dynamic"/> for <c>Batch</c> and <see cref="RunTimeSeq"/> for the built-in
/// <c>Seq</c> (both sized at run time, each by its own variable); a generic dimension still unbound (a block's type parameter)
/// is <see cref="Symbolic"/>.</summary>
internal readonly record struct Dim(string Name, int Size)
{
    public const int Dynamic = -1;
    public const int Symbolic = -2;
    public const int RunTimeSeq = -3;

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
        Symbolic => Name,
        _ => Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Two dims are the same if both are dynamic (the one batch) or both have the same size.</summary>
    public bool SameSizeAs(Dim other) => Size == other.Size && (Size != Symbolic || Name == other.Name);
}

/// <summary>A tensor shape; rank 0 is a scalar.</summary>
internal sealed record Shape(EquatableArray<Dim> Dims)
{
    public static readonly Shape Scalar = new(EquatableArray<Dim>.Empty);

    public int Rank => Dims.Count;

    public Dim this[int axis] => Dims[axis];

    public static Shape Of(params Dim[] dims) => new(dims.ToEquatableArray());

    public bool HasDynamic => Dims.Any(d => d.IsDynamic);

    /// <summary>Whether the shape has the run-time <c>Seq</c> dimension.</summary>
    public bool HasSeq => Dims.Any(d => d.IsSeq);

    /// <summary>The product of the static dims (dynamic dims excluded).</summary>
    public long StaticElementCount => Dims.Where(d => d.IsStatic).Aggregate(1L, (a, d) => checked(a * d.Size));

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
