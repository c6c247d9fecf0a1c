using System.Linq;

namespace ShapeNet.Generator.Model;

/// <summary>
/// The structure of a call's result: one tensor (a leaf naming its output index) or a tuple of structures, possibly
/// nested (an LSTM's <c>(output, (h_n, c_n))</c> is <c>(0, (1, 2))</c>). Leaves are numbered in order, so the flat output
/// list of a node is the leaves read left to right.
/// </summary>
internal sealed record OutputTree(int Index, EquatableArray<OutputTree> Items)
{
    /// <summary>A single tensor, output 0.</summary>
    public static readonly OutputTree Single = new(0, EquatableArray<OutputTree>.Empty);

    public static OutputTree Leaf(int index) => new(index, EquatableArray<OutputTree>.Empty);

    public static OutputTree Tuple(params OutputTree[] items) => new(-1, items.ToEquatableArray());

    /// <summary>A flat tuple of <paramref name="count"/> tensors.</summary>
    public static OutputTree Flat(int count) => Tuple(Enumerable.Range(0, count).Select(Leaf).ToArray());

    public bool IsLeaf => Index >= 0;

    /// <summary>The number of tensors (leaves).</summary>
    public int LeafCount => IsLeaf ? 1 : Items.Sum(i => i.LeafCount);

    /// <summary><c>tensor</c>, <c>(tensor, tensor)</c>, <c>(tensor, (tensor, tensor))</c>: for messages.</summary>
    public string Describe() => IsLeaf ? "tensor" : "(" + string.Join(", ", Items.Select(i => i.Describe())) + ")";
}

/// <summary>How a forward body uses a tuple result: a deconstruction <c>var (y, (h, c)) = …</c> as a tree of local names
/// (<c>_</c> for a discard); a leaf has <see cref="Name"/> and no items.</summary>
internal sealed record TuplePattern(string Name, EquatableArray<TuplePattern> Items)
{
    public bool IsLeaf => Items.Count == 0;

    /// <summary>Whether <paramref name="tree"/> has this pattern's nesting (tuples of the same lengths, leaves where it has names).</summary>
    public bool Matches(OutputTree tree) =>
        IsLeaf ? tree.IsLeaf : !tree.IsLeaf && tree.Items.Count == Items.Count && Items.Zip(tree.Items, (p, t) => p.Matches(t)).All(m => m);

    /// <summary><c>(y, (h, c))</c>.</summary>
    public string Describe() => IsLeaf ? Name : "(" + string.Join(", ", Items.Select(i => i.Describe())) + ")";

    /// <summary>The leaves' names, left to right (the order of the node's outputs).</summary>
    public System.Collections.Generic.IEnumerable<string> Leaves() => IsLeaf ? new[] { Name } : Items.SelectMany(i => i.Leaves());
}
