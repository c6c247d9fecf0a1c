namespace ShapeNet.Generator;

/// <summary>Names of the pipeline's steps, so tests can check each one is cached after an edit. Per pipeline: the parse (the
/// model and its location table), the model alone (locations stripped), inference, planning and emission (one step: the
/// plan is made and printed by the emitter), the generated file (hint name and text, what the source output sees) and the
/// diagnostics.</summary>
internal static class TrackingNames
{
    public const string ParseDims = nameof(ParseDims);
    public const string DimModels = nameof(DimModels);
    public const string EmitDims = nameof(EmitDims);
    public const string DimDiagnostics = nameof(DimDiagnostics);
    public const string ParseNetworks = nameof(ParseNetworks);
    public const string NetworkModels = nameof(NetworkModels);
    public const string InferNetworks = nameof(InferNetworks);
    public const string EmitNetworks = nameof(EmitNetworks);
    public const string NetworkFiles = nameof(NetworkFiles);
    public const string NetworkDiagnostics = nameof(NetworkDiagnostics);
    public const string ParseFunctions = nameof(ParseFunctions);
    public const string FunctionModels = nameof(FunctionModels);
    public const string InferFunctions = nameof(InferFunctions);
    public const string EmitFunctions = nameof(EmitFunctions);
    public const string FunctionFiles = nameof(FunctionFiles);
    public const string FunctionDiagnostics = nameof(FunctionDiagnostics);

    public static readonly string[] All =
    {
        ParseDims, DimModels, EmitDims, DimDiagnostics,
        ParseNetworks, NetworkModels, InferNetworks, EmitNetworks, NetworkFiles, NetworkDiagnostics,
        ParseFunctions, FunctionModels, InferFunctions, EmitFunctions, FunctionFiles, FunctionDiagnostics,
    };

    /// <summary>The steps after the parse: they see no source position, so moving a declaration within its file leaves them cached.</summary>
    public static readonly string[] AfterParse =
    {
        DimModels, EmitDims, DimDiagnostics,
        NetworkModels, InferNetworks, EmitNetworks, NetworkFiles, NetworkDiagnostics,
        FunctionModels, InferFunctions, EmitFunctions, FunctionFiles, FunctionDiagnostics,
    };
}
