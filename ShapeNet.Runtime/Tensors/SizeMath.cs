namespace ShapeNet;

/// <summary>Checked size arithmetic for every public entry point that multiplies sizes before touching memory: a product
/// that would overflow, or a negative factor, is an <see cref="ArgumentException"/> naming the operation and the sizes, never a
/// wrapped length that a later pointer loop trusts. The messages are built only on failure, so checks on a training step's
/// path allocate nothing.</summary>
internal static class SizeMath
{
    /// <summary>The product of <paramref name="sizes"/>; throws when a factor is negative or the product exceeds
    /// <paramref name="limit"/> (default: the longest array, <see cref="Array.MaxLength"/>). A zero factor gives 0 whatever the others.</summary>
    public static long Product(string op, string what, ReadOnlySpan<long> sizes, long limit = -1)
    {
        if (limit < 0) limit = Array.MaxLength;
        foreach (long s in sizes)
        {
            if (s < 0) throw new ArgumentException($"{op}: {what} {Text(sizes)} has a negative size.");
            if (s == 0) return 0;
        }
        long product = 1;
        foreach (long s in sizes)
        {
            if (product > limit / s)
                throw new ArgumentException($"{op}: {what} {Text(sizes)} overflows: more than {limit:N0} elements.");
            product *= s;
        }
        return product;
    }

    /// <summary><see cref="Product(string, string, ReadOnlySpan{long}, long)"/> of int sizes (a shape).</summary>
    public static long Product(string op, string what, ReadOnlySpan<int> shape, long limit = -1)
    {
        Span<long> sizes = shape.Length <= 16 ? stackalloc long[shape.Length] : new long[shape.Length];
        for (int i = 0; i < shape.Length; i++) sizes[i] = shape[i];
        return Product(op, what, sizes, limit);
    }

    /// <summary><paramref name="value"/> as an int; throws naming <paramref name="what"/> when it does not fit.</summary>
    public static int ToInt(string what, long value) =>
        value is >= 0 and <= int.MaxValue ? (int)value : throw new ArgumentException($"{what} is {value:N0}, which does not fit a 32-bit size.");

    private static string Text(ReadOnlySpan<long> sizes)
    {
        var parts = new string[sizes.Length];
        for (int i = 0; i < sizes.Length; i++) parts[i] = sizes[i].ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        return "[" + string.Join(" × ", parts) + "]";
    }
}
