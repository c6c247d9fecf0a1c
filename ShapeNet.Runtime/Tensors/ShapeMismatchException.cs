namespace ShapeNet;

/// <summary>A tensor's run-time shape does not match the shape its type declares, e.g.
/// <c>expected [Batch, Pixels=784], got [64, 780]: axis 1 is 780, Pixels is 784</c>.</summary>
public sealed class ShapeMismatchException : ArgumentException
{
    /// <summary>An exception with <paramref name="message"/>, which should print both shapes.</summary>
    public ShapeMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>An exception with <paramref name="message"/> about the argument <paramref name="paramName"/>.</summary>
    public ShapeMismatchException(string message, string? paramName)
        : base(message, paramName)
    {
    }

    /// <summary>An exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public ShapeMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An exception with the default message.</summary>
    public ShapeMismatchException()
    {
    }
}
