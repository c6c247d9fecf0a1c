using System.Collections;
using System.Collections.Generic;

namespace ShapeNet;

/// <summary>
/// The tensors an op returns when it returns several (<see cref="Ops.Chunk"/>, <see cref="Ops.Split(Tensor, int[], int)"/>):
/// index them, or deconstruct them as a network's forward does (<c>var (a, b) = Chunk(x, 2, 1);</c>). Deconstructing into a
/// different number of tensors than the op returned throws, naming both counts (in a network the generator reports it at
/// compile time, SN0118).
/// </summary>
public sealed class TensorTuple : IReadOnlyList<Tensor>
{
    private readonly Tensor[] _items;

    /// <summary>The tensors <paramref name="items"/> in order; <paramref name="op"/> names the op in messages.</summary>
    public TensorTuple(string op, params Tensor[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Op = op;
        _items = items;
    }

    /// <summary>The op that made the tuple, for messages.</summary>
    public string Op { get; }

    /// <inheritdoc/>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public Tensor this[int index] => _items[index];

    /// <inheritdoc/>
    public IEnumerator<Tensor> GetEnumerator() => ((IEnumerable<Tensor>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <summary>Deconstructs two tensors.</summary>
    public void Deconstruct(out Tensor a, out Tensor b)
    {
        Expect(2);
        (a, b) = (_items[0], _items[1]);
    }

    /// <summary>Deconstructs three tensors.</summary>
    public void Deconstruct(out Tensor a, out Tensor b, out Tensor c)
    {
        Expect(3);
        (a, b, c) = (_items[0], _items[1], _items[2]);
    }

    /// <summary>Deconstructs four tensors.</summary>
    public void Deconstruct(out Tensor a, out Tensor b, out Tensor c, out Tensor d)
    {
        Expect(4);
        (a, b, c, d) = (_items[0], _items[1], _items[2], _items[3]);
    }

    /// <summary>Deconstructs five tensors.</summary>
    public void Deconstruct(out Tensor a, out Tensor b, out Tensor c, out Tensor d, out Tensor e)
    {
        Expect(5);
        (a, b, c, d, e) = (_items[0], _items[1], _items[2], _items[3], _items[4]);
    }

    /// <summary>Deconstructs six tensors.</summary>
    public void Deconstruct(out Tensor a, out Tensor b, out Tensor c, out Tensor d, out Tensor e, out Tensor f)
    {
        Expect(6);
        (a, b, c, d, e, f) = (_items[0], _items[1], _items[2], _items[3], _items[4], _items[5]);
    }

    /// <summary>Deconstructs seven tensors.</summary>
    public void Deconstruct(out Tensor a, out Tensor b, out Tensor c, out Tensor d, out Tensor e, out Tensor f, out Tensor g)
    {
        Expect(7);
        (a, b, c, d, e, f, g) = (_items[0], _items[1], _items[2], _items[3], _items[4], _items[5], _items[6]);
    }

    /// <summary>Deconstructs eight tensors.</summary>
    public void Deconstruct(out Tensor a, out Tensor b, out Tensor c, out Tensor d, out Tensor e, out Tensor f, out Tensor g, out Tensor h)
    {
        Expect(8);
        (a, b, c, d, e, f, g, h) = (_items[0], _items[1], _items[2], _items[3], _items[4], _items[5], _items[6], _items[7]);
    }

    private void Expect(int count)
    {
        if (_items.Length != count)
            throw new InvalidOperationException($"{Op} returned {_items.Length} tensor(s), but {count} were deconstructed.");
    }
}
