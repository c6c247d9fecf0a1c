using System.Linq;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Emit;

/// <summary>The emit step of the pipeline: a spec in, source text and every diagnostic (inference's and the
/// emitter's) out. Never throws: an unexpected failure becomes SN0900 at the network's forward method.</summary>
internal static class GeneratedCode
{
    public static EmittedSource ForNetwork(NetworkSpec spec)
    {
        string hint = spec.Network.HintName + ".g.cs";
        // SN0013: no partial declaration is written for a type the generator cannot extend (it would clash with it).
        if (spec.Network.Diagnostics.Any(d => d.Id == DiagnosticDescriptors.NetworkNotGenerated.Id))
            return new EmittedSource(hint, string.Empty, spec.Diagnostics);
        try
        {
            (string source, EquatableArray<DiagnosticInfo> emitted) = NetworkEmitter.Emit(spec);
            return new EmittedSource(hint, source, spec.Diagnostics.Concat(emitted).ToEquatableArray());
        }
        catch (System.Exception e)
        {
            return Failed(hint, spec.Diagnostics, spec.Network.Forward?.Location, spec.Network.ClassName, e);
        }
    }

    public static EmittedSource ForFunction(FunctionSpec spec)
    {
        FunctionModel f = spec.Function;
        string hint = f.HintName;
        try
        {
            (string source, EquatableArray<DiagnosticInfo> emitted) = FunctionEmitter.Emit(spec);
            return new EmittedSource(hint, source, spec.Diagnostics.Concat(emitted).ToEquatableArray());
        }
        catch (System.Exception e)
        {
            return Failed(hint, spec.Diagnostics, f.Graph?.Location, f.Graph?.MethodName ?? f.ContainingClass, e);
        }
    }

    private static EmittedSource Failed(string hint, EquatableArray<DiagnosticInfo> diagnostics, SourceRef? location, string construct, System.Exception e) =>
        new(hint, string.Empty, diagnostics.Concat(new[]
        {
            DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, construct, e.GetType().Name + ": " + e.Message),
        }).ToEquatableArray());
}
