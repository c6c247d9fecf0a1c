using System.Collections.Generic;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Ops;

/// <summary>What a shape rule returns: the output shapes, their tuple structure and the normalised arguments, or a
/// failure (the diagnostic was reported through the <see cref="Inference.ShapeContext"/>).</summary>
internal sealed class OpResult
{
    private OpResult(OpArgs? args, IReadOnlyList<Shape> shapes, OutputTree structure, bool failed)
    {
        Args = args!;
        Shapes = shapes;
        Structure = structure;
        IsFailure = failed;
    }

    /// <summary>The shape rule reported a problem; the node is not added.</summary>
    public static readonly OpResult Failure = new(null, new Shape[0], OutputTree.Single, true);

    /// <summary>One output of shape <paramref name="shape"/>.</summary>
    public static OpResult Of(OpArgs args, Shape shape) => new(args, new[] { shape }, OutputTree.Single, false);

    /// <summary>A flat tuple of outputs (<c>Chunk</c>, <c>TopK</c>).</summary>
    public static OpResult Tuple(OpArgs args, IReadOnlyList<Shape> shapes) => new(args, shapes, OutputTree.Flat(shapes.Count), false);

    /// <summary>Outputs in a nested tuple (<c>(output, (h_n, c_n))</c>): <paramref name="structure"/>'s leaves index <paramref name="shapes"/>.</summary>
    public static OpResult Nested(OpArgs args, IReadOnlyList<Shape> shapes, OutputTree structure) => new(args, shapes, structure, false);

    public OpArgs Args { get; }

    public IReadOnlyList<Shape> Shapes { get; }

    public OutputTree Structure { get; }

    public bool IsFailure { get; }
}
