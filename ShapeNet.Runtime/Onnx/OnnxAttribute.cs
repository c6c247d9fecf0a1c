namespace ShapeNet.Onnx;

/// <summary>One attribute of an ONNX node (<c>kernel_shape</c>, <c>axis</c>, <c>epsilon</c>): a name and an int, a float, a
/// list of ints or a list of floats. Generated <c>ExportOnnx</c> methods create them; see <see cref="OnnxModelBuilder"/>.</summary>
public readonly struct OnnxAttribute
{
    private OnnxAttribute(string name, OnnxAttributeKind kind, long i, float f, long[]? ints, float[]? floats, string[]? strings = null)
    {
        Name = name;
        Kind = kind;
        IntValue = i;
        FloatValue = f;
        IntValues = ints ?? [];
        FloatValues = floats ?? [];
        StringValues = strings ?? [];
    }

    /// <summary>The attribute's name in the operator's schema.</summary>
    public string Name { get; }

    /// <summary>Which of the values is set.</summary>
    public OnnxAttributeKind Kind { get; }

    /// <summary>The value of an <see cref="OnnxAttributeKind.Int"/> attribute.</summary>
    public long IntValue { get; }

    /// <summary>The value of a <see cref="OnnxAttributeKind.Float"/> attribute.</summary>
    public float FloatValue { get; }

    /// <summary>The values of an <see cref="OnnxAttributeKind.Ints"/> attribute.</summary>
    public long[] IntValues { get; }

    /// <summary>The values of a <see cref="OnnxAttributeKind.Floats"/> attribute.</summary>
    public float[] FloatValues { get; }

    /// <summary>The value of a <see cref="OnnxAttributeKind.String"/> attribute (one element), or of a
    /// <see cref="OnnxAttributeKind.Strings"/> one.</summary>
    public string[] StringValues { get; }

    /// <summary>An int attribute (<c>axis</c>, <c>group</c>, <c>transB</c>).</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeKind.Int, value, 0, null, null);

    /// <summary>A float attribute (<c>epsilon</c>, <c>alpha</c>), stored as float32 as ONNX does.</summary>
    public static OnnxAttribute Float(string name, double value) => new(name, OnnxAttributeKind.Float, 0, (float)value, null, null);

    /// <summary>A list of ints (<c>kernel_shape</c>, <c>pads</c>, <c>perm</c>).</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, OnnxAttributeKind.Ints, 0, 0, (long[])values.Clone(), null);

    /// <summary>A string attribute (a recurrent node's <c>direction</c>), written in UTF-8.</summary>
    public static OnnxAttribute String(string name, string value) => new(name, OnnxAttributeKind.String, 0, 0, null, null, [value]);

    /// <summary>A list of strings (a recurrent node's <c>activations</c>).</summary>
    public static OnnxAttribute Strings(string name, params string[] values) => new(name, OnnxAttributeKind.Strings, 0, 0, null, null, (string[])values.Clone());

    /// <summary>A list of floats.</summary>
    public static OnnxAttribute Floats(string name, params float[] values) => new(name, OnnxAttributeKind.Floats, 0, 0, null, (float[])values.Clone());
}

/// <summary>The value type of an <see cref="OnnxAttribute"/>; the numbers are ONNX's <c>AttributeProto.AttributeType</c>.</summary>
public enum OnnxAttributeKind
{
    /// <summary>A float32.</summary>
    Float = 1,

    /// <summary>An int64.</summary>
    Int = 2,

    /// <summary>A list of float32.</summary>
    Floats = 6,

    /// <summary>A UTF-8 string.</summary>
    String = 3,

    /// <summary>A list of int64.</summary>
    Ints = 7,

    /// <summary>A list of UTF-8 strings.</summary>
    Strings = 8,
}
