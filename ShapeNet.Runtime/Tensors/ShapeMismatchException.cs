namespace ShapeNet;

/// <summary>A tensor's run-time shape does not match the shape its type declares, e.g.
/// <c>expected [Batch, Pixels=784], got [64, 780]: axis 1 is 780, Pixels is 784</c>.</summary>
public sealed class ShapeMismatchException : ArgumentException
{
    public ShapeMismatchException(string message)
        : base(message)
    {
    }

    public ShapeMismatchException(string message, string? paramName)
        : base(message, paramName)
    {
    }

    public ShapeMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ShapeMismatchException()
    {
    }
}
