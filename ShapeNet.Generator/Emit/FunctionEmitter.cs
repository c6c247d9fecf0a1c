using System;
using System.Collections.Generic;
using System.Linq;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;
using static ShapeNet.Generator.Emit.EmitHelpers;

namespace ShapeNet.Generator.Emit;

/// <summary>
/// For a <c>[Differentiable]</c> static function <c>Y(x, …)</c>, emits <c>YGrad(x, …)</c> returning the value and the
/// gradient of the sum of the output w.r.t. each input (PyTorch's <c>y.backward(ones_like(y))</c>), run on the CPU
/// backend with buffers allocated per call. A pure function of the spec; it never throws.
/// </summary>
internal static class FunctionEmitter
{
    public static (string Source, EquatableArray<DiagnosticInfo> Diagnostics) Emit(FunctionSpec spec)
    {
        FunctionModel function = spec.Function;
        GraphModel? model = function.Graph;
        SourceRef? location = model?.Location;
        var diagnostics = new List<DiagnosticInfo>();
        if (model is null || spec.Graph is null) return (string.Empty, diagnostics.ToEquatableArray());
        try
        {
            CompiledGraph graph = spec.Graph;
            // The method's locals, renamed when a parameter of the function has the same name (a parameter called 'value').
            var names = new Locals(FreshName("backend", graph.InputNames), FreshName("batch", graph.InputNames), FreshName("value", graph.InputNames));
            BufferPlan plan = BufferPlan.Create(graph);
            var body = new IndentedWriter();
            var code = new GraphCodeWriter(plan, body, names.Backend, names.Batch);
            if (plan.MissingRules.Count == 0 && plan.Problems.Count == 0)
            {
                code.WriteForward();
                if (plan.OutputGradientName is { } seed)
                {
                    body.Line($"// d({graph.TextOf(graph.Output)}) = 1: the gradient of the sum of the output");
                    body.Line($"{names.Backend}.Fill({seed}, 1f, 0, {Sizes.Count(graph.ShapeOf(graph.Output), names.Batch)});");
                }
                code.WriteBackward();
            }
            diagnostics.AddRange(PlanDiagnostics(plan, code.Failures, location));
            if (diagnostics.Count > 0) return (string.Empty, diagnostics.ToEquatableArray());

            var w = new IndentedWriter();
            FileHeader(w);
            List<IndentedWriter.BlockScope> containers = OpenContainers(w, function.Namespace, function.ContainingTypes);
            using (w.Block((function.ContainingIsStatic ? "static " : string.Empty) + "partial class " + Id(function.ContainingClass)))
            {
                WriteMethod(w, function, model, graph, plan, body, names);
            }
            Close(containers);
            return (w.ToString(), diagnostics.ToEquatableArray());
        }
        catch (Exception e)
        {
            diagnostics.Add(InternalError(location, $"emitting {model.MethodName}Grad: {e.GetType().Name}: {e.Message}"));
            return (string.Empty, diagnostics.ToEquatableArray());
        }
    }

    /// <summary>The names of the generated method's own locals.</summary>
    private sealed record Locals(string Backend, string Batch, string Value);

    private static void WriteMethod(IndentedWriter w, FunctionModel function, GraphModel model, CompiledGraph graph, BufferPlan plan, IndentedWriter body, Locals names)
    {
        string backend = names.Backend, batch = names.Batch, value = names.Value;
        var results = new List<string> { $"{graph.ReturnType} Value" };
        for (int i = 0; i < graph.Inputs.Count; i++) results.Add($"{graph.InputTypes[i]} D{Pascal(graph.InputNames[i])}");
        string parameters = string.Join(", ", graph.InputTypes.Zip(graph.InputNames, (t, n) => $"{t} {Id(n)}"));
        string accessibility = function.Accessibility.Length > 0 ? function.Accessibility + " " : string.Empty;

        w.Line($"/// <summary>{model.MethodName} and the gradient of the sum of its output w.r.t. each input.</summary>");
        using (w.Block($"{accessibility}static ({string.Join(", ", results)}) {Id(model.MethodName + "Grad")}({parameters})"))
        {
            w.Line($"{BackendType} {backend} = {CpuBackend};");
            (int Input, int Axis)? batchSource = BatchSource(graph);
            if (batchSource is { } s) w.Line($"int {batch} = {Untyped(Id(graph.InputNames[s.Input]), graph.InputTypes[s.Input])}.Size({s.Axis});");
            // The run-time Seq: the length of the first input that has it (the calls print it as Sizes.Seq).
            if (SeqSource(graph) is { } q) w.Line($"int {Sizes.Seq} = {Untyped(Id(graph.InputNames[q.Input]), graph.InputTypes[q.Input])}.Size({q.Axis});");
            foreach (PlannedBuffer buffer in plan.Buffers)
                w.Line($"{BufferType} {buffer.Name} = {backend}.Allocate({buffer.Length(batch)}); // {buffer.Comment}");
            foreach (ConstantArray array in plan.Arrays)
                w.Line($"{array.ElementType}[] {array.Name} = {array.Initializer(batch, Sizes.Seq)}; // {array.Comment}");
            foreach (PlannedDescriptor descriptor in plan.Descriptors)
            {
                w.Line($"global::ShapeNet.Backends.{descriptor.Type} {descriptor.Name} = new({descriptor.Arguments}); // {descriptor.Comment}");
                if (descriptor.Type is "Conv2dDesc" or "Pool2dDesc" or "BatchNormDesc" or "LinearDesc")
                    foreach (SizeExpr capacity in descriptor.Capacities) w.Line($"{backend}.Prepare(in {descriptor.Name}, {capacity.Format(batch)});");
            }
            for (int i = 0; i < graph.Inputs.Count; i++)
                w.Line($"{backend}.Upload({Untyped(Id(graph.InputNames[i]), graph.InputTypes[i])}.Data, {plan.ValueName[graph.Inputs[i]]});");
            foreach (string line in body.ToString().Split('\n'))
                if (line.Length > 0) w.Line(line);

            Shape output = graph.ShapeOf(graph.Output);
            w.Line($"var {value} = new float[{Sizes.Count(output, batch)}];");
            w.Line($"{backend}.Download({plan.ValueName[graph.Output]}, {value});");
            var returned = new List<string> { Typed(NewTensor(value, output, batch), graph.ReturnType) };
            for (int i = 0; i < graph.Inputs.Count; i++)
            {
                int input = graph.Inputs[i];
                Shape shape = graph.ShapeOf(input);
                string local = FreshName("d" + Pascal(graph.InputNames[i]), graph.InputNames.Concat(new[] { backend, batch, value }));
                w.Line($"var {local} = new float[{Sizes.Count(shape, batch)}];");
                if (plan.GradientName[input] is { } gradient) w.Line($"{backend}.Download({gradient}, {local});");
                returned.Add(Typed(NewTensor(local, shape, batch), graph.InputTypes[i]));
            }
            w.Line($"return ({string.Join(", ", returned)});");
        }
    }

    private static string NewTensor(string data, Shape shape, string batch)
    {
        string dims = ShapeArguments(shape, batch);
        return $"new {TensorType}({data}{(dims.Length > 0 ? ", " + dims : string.Empty)})";
    }
}
