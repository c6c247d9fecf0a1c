namespace ShapeNet.Generator;

/// <summary>Names of the pipeline's steps, so tests can check each one is cached after an unrelated edit.</summary>
internal static class TrackingNames
{
    public const string ParseDims = nameof(ParseDims);
    public const string ParseNetworks = nameof(ParseNetworks);
    public const string InferNetworks = nameof(InferNetworks);
    public const string EmitNetworks = nameof(EmitNetworks);
    public const string NetworkDiagnostics = nameof(NetworkDiagnostics);
    public const string ParseFunctions = nameof(ParseFunctions);
    public const string InferFunctions = nameof(InferFunctions);
    public const string EmitFunctions = nameof(EmitFunctions);
    public const string FunctionDiagnostics = nameof(FunctionDiagnostics);

    public static readonly string[] All =
    {
        ParseDims, ParseNetworks, InferNetworks, EmitNetworks, NetworkDiagnostics, ParseFunctions, InferFunctions, EmitFunctions, FunctionDiagnostics,
    };
}
