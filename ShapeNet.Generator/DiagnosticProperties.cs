// Shared, as a linked source file, by the generator (which writes these properties on the diagnostics it reports) and
// ShapeNet.CodeFixes (which reads them to offer one-click fixes): the values the generator inferred travel in
// Diagnostic.Properties, never through the message text.
namespace ShapeNet;

/// <summary>The keys of <c>Diagnostic.Properties</c> on the shape diagnostics a code fix can repair.</summary>
internal static class DiagnosticProperties
{
    /// <summary>SN0101, SN0112: the layer member whose size is wrong (<c>Fc2</c>).</summary>
    public const string Layer = "Layer";

    /// <summary>SN0101, SN0112: the position of the wrong size among the layer attribute's constructor arguments (<c>0</c>).</summary>
    public const string Argument = "Argument";

    /// <summary>SN0101, SN0112, SN0111: the size the generator inferred for what the layer or block is given (<c>320</c>).</summary>
    public const string Size = "Size";

    /// <summary>SN0101: the feature count of the operand flattened from axis 1 (<c>320</c> for [Batch, 20, 4, 4]), when it
    /// has more than two axes, all static after the first; a Flatten inserted before the layer would give it that many.</summary>
    public const string FlattenedSize = "FlattenedSize";

    /// <summary>SN0111: the block member whose dimension type argument is wrong (<c>Incep1</c>).</summary>
    public const string Block = "Block";

    /// <summary>SN0111: the dimension type the block's declared input expects where the given tensor differs (<c>Twenty</c>).</summary>
    public const string ExpectedDimension = "ExpectedDimension";

    /// <summary>SN0111: the dimension type naming the given tensor's size on that axis, when it has one (<c>Ten</c>).</summary>
    public const string ActualDimension = "ActualDimension";

    /// <summary>SN0107: the returned expression's shape, one entry per axis separated by ';': <c>Batch</c> for the batch,
    /// <c>Name=size</c> for a dimension type, or the bare size (<c>Batch;20</c>, <c>Batch;Digits=10</c>).</summary>
    public const string Shape = "Shape";
}
