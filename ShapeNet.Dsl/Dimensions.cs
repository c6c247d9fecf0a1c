namespace ShapeNet;

/// <summary>
/// A tensor dimension known to the type system. User dimensions are declared as
/// <c>[Dim(28)] public partial struct Side;</c>; the generator implements this interface for them.
/// </summary>
public interface IDim
{
    /// <summary>The size, or <see cref="Dynamic"/> for a dimension sized at run time (<see cref="Batch"/>).</summary>
    static abstract int Size { get; }

    /// <summary>The dimension's name as written in source; used in messages.</summary>
    static abstract string Name { get; }

    /// <summary>The <see cref="Size"/> of a dimension sized at run time.</summary>
    public const int Dynamic = -1;
}

/// <summary>The batch dimension: sized at run time, bounded by a plan's batch capacity.</summary>
public readonly struct Batch : IDim
{
    /// <summary><see cref="IDim.Dynamic"/>: the batch is sized at run time.</summary>
    public static int Size => IDim.Dynamic;
    /// <summary><c>"Batch"</c>.</summary>
    public static string Name => "Batch";
}

/// <summary>
/// A dimension known only at run time (checked to be at least 1). The generator binds a block's forward method type
/// parameters to it in the rank-erased overload it adds (<c>Incep1.Forward(h)</c> with <c>h</c> a plain
/// <see cref="T:ShapeNet.Tensor"/>); inside a compiled network every use is still shape-checked at compile time.
/// </summary>
public readonly struct AnyDim : IDim
{
    /// <summary><see cref="IDim.Dynamic"/>: the size is whatever the tensor has.</summary>
    public static int Size => IDim.Dynamic;
    /// <summary><c>"Any"</c>.</summary>
    public static string Name => "Any";
}

/// <summary>Declares a compile-time dimension: <c>[Dim(28)] public partial struct Side;</c>.</summary>
/// <remarks>The generator implements <see cref="IDim"/> on the struct; the size must be positive (SN0001) and a struct
/// has one size (SN0002).</remarks>
/// <example>
/// <code>
/// [Dim(1)]  public partial struct Gray;
/// [Dim(28)] public partial struct Side;
/// [Dim(10)] public partial struct Digits;
///
/// // Tensor&lt;Batch, Gray, Side, Side&gt; is an MNIST batch [Batch, 1, 28, 28].
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
public sealed class DimAttribute : Attribute
{
    /// <summary>Declares the dimension's <paramref name="size"/>, a positive constant.</summary>
    public DimAttribute(int size) => Size = size;

    /// <summary>The dimension's size.</summary>
    public int Size { get; }
}

/// <summary>The sequence dimension (time steps): sized at run time like <see cref="Batch"/>, bounded by a plan's sequence
/// capacity. Recurrent layers take <c>[Seq, Batch, Feature]</c> (or <c>[Batch, Seq, Feature]</c> with <c>BatchFirst</c>).</summary>
public readonly struct Seq : IDim
{
    /// <summary><see cref="IDim.Dynamic"/>: the sequence length is set at run time.</summary>
    public static int Size => IDim.Dynamic;
    /// <summary><c>"Seq"</c>.</summary>
    public static string Name => "Seq";
}
