using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Emit;

/// <summary>The emit step of the pipeline: model in, source text and diagnostics out; never throws.</summary>
internal static class GeneratedCode
{
    public static EmittedSource ForNetwork(NetworkSpec spec) =>
        new(spec.Network.HintName + ".g.cs", string.Empty, spec.Diagnostics);

    public static EmittedSource ForFunction(FunctionSpec spec) =>
        new(spec.Function.Namespace + "." + spec.Function.ContainingClass + "." + (spec.Function.Graph?.MethodName ?? "f") + ".g.cs", string.Empty, spec.Diagnostics);
}
