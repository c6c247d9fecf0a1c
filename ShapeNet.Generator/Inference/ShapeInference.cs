using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Inference;

/// <summary>
/// Pure shape inference: a parsed network or function in, a flat shape-checked graph (blocks inlined,
/// layers bound to parameters) and diagnostics out. No Roslyn types; never throws (SN0900 instead).
/// </summary>
internal static class ShapeInference
{
    public static NetworkSpec Infer(NetworkModel network)
    {
        var diagnostics = new List<DiagnosticInfo>(network.Diagnostics);
        if (!IsStandalone(network) || network.Forward is null || network.Diagnostics.Count > 0)
            return new NetworkSpec(network, null, diagnostics.ToEquatableArray());
        try
        {
            var builder = new GraphBuilder(diagnostics);
            Dictionary<string, int> parameterBase = builder.AddParameters(network.Layers, string.Empty);
            builder.AddBuffers(network.Layers, string.Empty);
            CompiledGraph? graph = builder.Build(network.Forward, network.Layers, parameterBase);
            return new NetworkSpec(network, graph, diagnostics.ToEquatableArray());
        }
        catch (System.Exception e)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, network.Forward.Location, network.ClassName, e.GetType().Name + ": " + e.Message.TrimEnd('.')));
            return new NetworkSpec(network, null, diagnostics.ToEquatableArray());
        }
    }

    public static FunctionSpec Infer(FunctionModel function)
    {
        var diagnostics = new List<DiagnosticInfo>(function.Diagnostics);
        if (function.Graph is null || function.Diagnostics.Count > 0)
            return new FunctionSpec(function, null, diagnostics.ToEquatableArray());
        try
        {
            var builder = new GraphBuilder(diagnostics);
            CompiledGraph? graph = builder.Build(function.Graph, EquatableArray<LayerModel>.Empty, new Dictionary<string, int>());
            return new FunctionSpec(function, graph, diagnostics.ToEquatableArray());
        }
        catch (System.Exception e)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, function.Graph.Location, function.Graph.MethodName, e.GetType().Name + ": " + e.Message.TrimEnd('.')));
            return new FunctionSpec(function, null, diagnostics.ToEquatableArray());
        }
    }

    /// <summary>A network whose shapes are all known by itself: no class or method type parameters. Others are
    /// checked where they are used as blocks.</summary>
    public static bool IsStandalone(NetworkModel network) =>
        network.TypeParameters.Count == 0 && (network.Forward is null || network.Forward.MethodTypeParameters.Count == 0);
}
