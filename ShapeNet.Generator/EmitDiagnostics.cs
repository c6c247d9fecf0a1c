using Microsoft.CodeAnalysis;

namespace ShapeNet.Generator;

/// <summary>Diagnostics reported by gradient rules, planning and emission (merged into the generator's
/// descriptor list by the integrator).</summary>
internal static class EmitDiagnostics
{
    private const string Category = "ShapeNet";

    public static readonly DiagnosticDescriptor NoGradientRule = new(
        "SN0120", "No gradient rule", "no gradient rule for {0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InternalError = new(
        "SN0900", "Internal generator error", "internal generator error: {0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
