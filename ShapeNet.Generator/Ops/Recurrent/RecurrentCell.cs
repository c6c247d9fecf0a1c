using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>A recurrent cell's sizes (<c>[GruCell(4, 4)]</c>) and, per call, whether a state was passed (else zeros) and, for a
/// cell carried through a loop over time (<c>for (int t = 0; t &lt; Steps.Size; t++) h = Cell(x[t], h);</c>), the steps it runs
/// (0 for one call on one step).</summary>
internal sealed record CellArgs(string Mode, int Input, int Hidden, bool Bias, bool HasState = false, int Steps = 0) : OpArgs
{
    /// <summary>Whether the node is a loop over <see cref="Steps"/> steps of a sequence [T, Batch, In] (T ≥ Steps); −1 is a loop
    /// over the whole first axis (<c>t &lt; x.Size(0)</c>), which shape inference makes a count, or leaves −1 for the run-time <c>Seq</c>.</summary>
    public bool IsLoop => Steps != 0;

    /// <summary>Static steps of the backend call: the loop's count, or 1 (one step; also per step of a loop over <c>Seq</c>).</summary>
    public int CallSteps => Steps > 0 ? Steps : 1;

    /// <summary>The sequence length argument of the backend call for input <paramref name="x"/>: a constant, or the pass's <c>seq</c>.</summary>
    public CallArg StepsOf(Shape x) => Steps < 0 && x.Rank == 3 ? SizeExpr.Product(new[] { x[0] }) : CallArg.Int(CallSteps);

    /// <summary>The steps' dimension: a size, or <c>Seq</c>.</summary>
    public Dim StepsDim(Shape x) => Steps < 0 && x.Rank == 3 ? x[0] : Dim.Of(CallSteps);

    public bool IsLstm => Mode == "Lstm";

    public int Gates => Mode switch { "Gru" => 3, "Lstm" => 4, _ => 1 };

    /// <summary>A cell is the one-layer, one-direction stack at sequence length 1.</summary>
    public IReadOnlyList<string> DescriptorArguments => new[]
    {
        "global::ShapeNet.Backends.RecurrentMode." + Mode, Input.ToString(CultureInfo.InvariantCulture), Hidden.ToString(CultureInfo.InvariantCulture),
        "1", "false", Bias ? "true" : "false", "false", "0f",
    };

    /// <summary>The plan's <c>RecurrentDescriptor</c> field for this cell, as a call argument.</summary>
    public CallArg Descriptor(string comment) => CallArg.Descriptor("RecurrentDescriptor", comment, DescriptorArguments.Select(CallArg.Code).ToArray());
}

/// <summary>
/// What <see cref="RnnCell"/>, <see cref="GruCell"/> and <see cref="LstmCell"/> share: PyTorch's <c>nn.RNNCell</c>/<c>nn.GRUCell</c>/
/// <c>nn.LSTMCell</c>, one step x [Batch, In], h [Batch, H] (c too for an LSTM) → h' [Batch, H] (and c'). Parameters
/// <c>weight_ih</c> [G·H, In], <c>weight_hh</c> [G·H, H], <c>bias_ih</c>, <c>bias_hh</c> [G·H], U(−1/√H, 1/√H). The backend
/// calls are the recurrent stack's at sequence length 1 (the same kernels as the layers). A cell called in an unrolled
/// <c>for</c> over time shares its parameters, and the backward pass runs back through every step.
/// </summary>
internal abstract class RecurrentCellDefinition : LayerDefinition<CellArgs>
{
    private const string WorkspaceField = "_recurrentWorkspace";

    public override int TensorInputs => 1;

    public override bool HasTrainingMode => false;

    public override IReadOnlyCollection<string> FusibleActivations { get; } = new string[0];

    protected abstract string ModeOf(ILayerAttribute a);

    public override IReadOnlyList<LayerOperand> Operands { get; } = new[] { new LayerOperand("input", Required: true), new LayerOperand("hidden", Required: false) };

    public override OpArgs BindCall(OpArgs args, IReadOnlyList<int> slots) => (CellArgs)args with { HasState = slots.Contains(1) };

    /// <summary>A cell in a loop over time (<see cref="LayerCallArgs.LoopSteps"/>) runs as one node over the steps.</summary>
    public override OpArgs BindCall(OpArgs args, LayerCallArgs call) => (CellArgs)BindCall(args, call.Slots) with { Steps = call.LoopSteps };

    /// <summary>A loop over the whole run-time <c>Seq</c> (<c>t &lt; x.Size(0)</c>) sizes its call per pass.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => args is CellArgs { Steps: < 0 };

    protected override CellArgs? Bind(ILayerAttribute a)
    {
        int? input = a.PositiveInt(0, "input size"), hidden = a.PositiveInt(1, "hidden size");
        bool ok = input is not null && hidden is not null;
        return ok ? new CellArgs(ModeOf(a), input!.Value, hidden!.Value, a.NamedBool("Bias") ?? true) : null;
    }

    protected override IReadOnlyList<LayerTensor> Parameters(CellArgs args)
    {
        int rows = args.Gates * args.Hidden;
        var list = new List<LayerTensor>
        {
            new("weight_ih", "WeightIh", Shape.Of(Dim.Of(rows), Dim.Of(args.Input)), "uniform", args.Hidden),
            new("weight_hh", "WeightHh", Shape.Of(Dim.Of(rows), Dim.Of(args.Hidden)), "uniform", args.Hidden),
        };
        if (args.Bias)
        {
            list.Add(new LayerTensor("bias_ih", "BiasIh!", Shape.Of(Dim.Of(rows)), "uniform", args.Hidden));
            list.Add(new LayerTensor("bias_hh", "BiasHh!", Shape.Of(Dim.Of(rows)), "uniform", args.Hidden));
        }
        return list;
    }

    protected override IReadOnlyList<LayerTensor> Buffers(CellArgs args) => new LayerTensor[0];

    protected override string EagerArguments(CellArgs args, string init, string name) =>
        $"{init}, {name}, {args.Input.ToString(CultureInfo.InvariantCulture)}, {args.Hidden.ToString(CultureInfo.InvariantCulture)}, " +
        $"bias: {(args.Bias ? "true" : "false")}{(args.Mode == "RnnRelu" ? ", relu: true" : string.Empty)}";

    protected override OpResult Infer(CellArgs args, ShapeContext c)
    {
        Shape x = c.Shape(0);
        if (args.IsLoop)
        {
            // x[t] for t < Steps: x is [T, Batch, In] with T ≥ Steps (the loop reads its first Steps steps).
            if (x.Rank != 3)
                return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "a sequence [steps, Batch, features] of rank 3 to index x[t]", c.OperandText(0), x.ToNamedString());
            if (args.Steps < 0 && x[0].IsStatic) args = args with { Steps = x[0].Size };   // t < x.Size(0) over a [Dim]: a count
            if (args.Steps < 0 && !x[0].IsSeq)
                return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "a sequence whose first axis is a [Dim] size or Seq (the loop runs over it)",
                    c.OperandText(0), x.ToNamedString());
            if (args.Steps > 0 && !x[0].IsStatic)
                return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "a sequence whose first axis is a [Dim] size (the loop runs " + args.Steps + " steps)",
                    c.OperandText(0), x.ToNamedString());
            if (args.Steps > 0 && x[0].Size < args.Steps)
                return c.Fail(DiagnosticDescriptors.IndexOutOfRange, c.Text, args.Steps - 1, x[0].Size, c.OperandText(0), x.ToNamedString());
            x = new Shape(x.Dims.Skip(1).ToEquatableArray());
        }
        if (x.Rank != 2)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "an input [Batch, features] of rank 2 (one step)", c.OperandText(0), x.ToNamedString());
        if (!x[1].IsStatic || x[1].Size != args.Input)
            return c.Fail(DiagnosticDescriptors.RecurrentInputSize, c.LayerSizeFix(argument: 0, x[1]), c.Member, args.Input, c.OperandText(0), x[1].ToString(),
                x.ToNamedString());
        Shape state = Shape.Of(x[0], Dim.Of(args.Hidden));
        if (args.HasState)
            for (int k = 0; k < (args.IsLstm ? 2 : 1); k++)
                if (!c.Shape(1 + k).SameAs(state))
                    return c.Fail(DiagnosticDescriptors.RecurrentStateShape, c.Member, (k == 0 ? "the hidden state " : "the cell state ") + state.ToNamedString(),
                        $"([Batch, hidden = {args.Hidden}])", c.OperandText(1 + k), c.Shape(1 + k).ToNamedString());
        return args.IsLstm ? OpResult.Tuple(args, new[] { state, state }) : OpResult.Of(args, state);
    }

    protected override Differentiation Gradient(CellArgs args) => Differentiation.AllOperands;

    protected override void Plan(CellArgs args, PlanContext p)
    {
        SizeExpr batch = BatchOf(args, p.InputShape(0));
        p.Workspace("_reserve" + p.Id.ToString(CultureInfo.InvariantCulture), $"reserve of {p.Text}: its gates{(args.IsLoop ? " at every step" : string.Empty)}, kept for the backward",
            $"the reserve of {p.Text}", CallContext.Backend("Recurrent_ReserveLength", args.Descriptor(p.Text), args.StepsOf(p.InputShape(0)), batch));
        p.Workspace(WorkspaceField, "scratch of the recurrent layers (input projections, their gradients, running states)", "the recurrent workspace",
            CallContext.Backend("Recurrent_WorkspaceLength", args.Descriptor(p.Text), args.StepsOf(p.InputShape(0)), batch));
        // The loop's state after every step (the kernel's output sequence); only the last is the node's result.
        if (args.IsLoop) p.Auxiliary("states", Shape.Of(args.StepsDim(p.InputShape(0)), p.Shape[0], Dim.Of(args.Hidden)));
        var names = new List<string> { "weight_ih", "weight_hh" };
        if (args.Bias) names.AddRange(new[] { "bias_ih", "bias_hh" });
        foreach (bool gradient in new[] { false, true })
        {
            string buffers = string.Join(", ", names.Select(n => p.ParameterField(n, gradient)));
            p.Handle(RecurrentLayerDefinition.HandleOf(p, gradient), "global::ShapeNet.Backends.RecurrentTensors",
                $"Backend.Recurrent_Bind(in {p.DescriptorField("RecurrentDescriptor", args.DescriptorArguments, p.Text)}, new {EmitHelpers.BufferType}[] {{ {buffers} }})",
                $"{p.Path}'s parameter {(gradient ? "gradients" : "values")}, bound once");
        }
    }

    /// <summary>The batch: axis 0 of one step, axis 1 of a loop's sequence.</summary>
    private static SizeExpr BatchOf(CellArgs args, Shape x) => SizeExpr.Product(new[] { x[args.IsLoop ? 1 : 0] });

    protected override void Forward(CellArgs args, ForwardContext f)
    {
        f.Comment(args.IsLoop ? f.Header + $" (the loop over time: one call, {(args.Steps > 0 ? args.Steps.ToString(CultureInfo.InvariantCulture) : "seq")} steps)" : f.Header);
        // One step writes h' as the output sequence of length 1; a loop writes the states of every step and h after the last.
        f.Call("Recurrent_Forward", args.Descriptor(f.Text), args.IsLoop ? f.Auxiliary("states") : f.Output(0), args.IsLoop ? f.Output(0) : BufferRef.Null,
            args.IsLstm ? f.Output(1) : BufferRef.Null,
            f.Workspace("_reserve" + f.Id.ToString(CultureInfo.InvariantCulture)), f.Workspace(WorkspaceField), f.Input(0),
            args.HasState ? f.Input(1) : BufferRef.Null, args.HasState && args.IsLstm ? f.Input(2) : BufferRef.Null,
            CallArg.Code(RecurrentLayerDefinition.HandleOf(f, false)), BufferRef.Null, args.StepsOf(f.InputShape(0)), BatchOf(args, f.InputShape(0)),
            f.Training, CallArg.Code("0UL"), CallArg.Code("0u"));
    }

    protected override void Backward(CellArgs args, BackwardContext b)
    {
        var operands = new List<int> { 0 };
        if (args.HasState) operands.AddRange(args.IsLstm ? new[] { 1, 2 } : new[] { 1 });
        string accumulate = RecurrentLayerDefinition.AccumulateInputs(b, operands);
        b.Comment($"d({b.InputText(0)}){(args.HasState ? ", d(state)" : string.Empty)}, d({b.Path}.*) from d({b.Text}): {b.InputShape(0)} <- {b.Shape}");
        b.Call("Recurrent_Backward", args.Descriptor(b.Text), b.OptionalInputGradient(0),
            args.HasState ? b.OptionalInputGradient(1) : BufferRef.Null, args.HasState && args.IsLstm ? b.OptionalInputGradient(2) : BufferRef.Null,
            CallArg.Code(RecurrentLayerDefinition.HandleOf(b, true)), b.Workspace(WorkspaceField),
            args.IsLoop ? BufferRef.Null : b.OutputReceives(0) ? b.OutputGradient(0) : BufferRef.Null,
            args.IsLoop && b.OutputReceives(0) ? b.OutputGradient(0) : BufferRef.Null,
            args.IsLstm && b.OutputReceives(1) ? b.OutputGradient(1) : BufferRef.Null,
            b.Workspace("_reserve" + b.Id.ToString(CultureInfo.InvariantCulture)), b.Input(0), CallArg.Code(RecurrentLayerDefinition.HandleOf(b, false)),
            BufferRef.Null, args.StepsOf(b.InputShape(0)), BatchOf(args, b.InputShape(0)), CallArg.Named("training", CallArg.Bool(true)),
            CallArg.Named("accumulateDx", CallArg.Code(accumulate)), CallArg.Named("accumulateParameters", b.ParameterAccumulate));
    }

    /// <summary>A cell is ONNX's RNN, GRU or LSTM node at sequence length 1 (<see cref="RecurrentOnnx"/>): x and the state get a
    /// leading axis of 1, the final state loses it.</summary>
    protected override void Onnx(CellArgs args, OnnxContext o)
    {
        if (args.IsLoop)
        {
            // The loop is ONNX's recurrent node over the steps it reads (x sliced to them when it has more).
            string steps = o.Input(0);
            if (args.Steps >= 0 && o.InputShape(0)[0].Size != args.Steps)   // a loop to the run-time Seq (Steps −1) reads every step
            {
                steps = o.Temp("input_steps");
                o.Op("Slice", new[] { o.Input(0), o.Int64s("input_steps_starts", new[] { 0L }), o.Int64s("input_steps_ends", new[] { (long)args.Steps }),
                    o.Int64s("input_steps_axes", new[] { 0L }) }, new[] { steps });
            }
            string state = args.HasState ? RecurrentOnnx.Reshape(o, o.Input(1), o.Temp("h0_step"), 1, -1, args.Hidden) : string.Empty;
            string cell = args.HasState && args.IsLstm ? RecurrentOnnx.Reshape(o, o.Input(2), o.Temp("c0_step"), 1, -1, args.Hidden) : string.Empty;
            string last = o.Temp("Y_h"), lastCell = args.IsLstm ? o.Temp("Y_c") : string.Empty;
            RecurrentOnnx.Node(o, args.Mode, args.Hidden, 1, args.Bias, string.Empty, args.Input, steps, state, cell, string.Empty, string.Empty, last, lastCell);
            RecurrentOnnx.Reshape(o, last, o.Output(0), -1, args.Hidden);
            if (args.IsLstm) RecurrentOnnx.Reshape(o, lastCell, o.Output(1), -1, args.Hidden);
            return;
        }
        string x = RecurrentOnnx.Reshape(o, o.Input(0), o.Temp("input_step"), 1, -1, args.Input);
        string h0 = args.HasState ? RecurrentOnnx.Reshape(o, o.Input(1), o.Temp("h0_step"), 1, -1, args.Hidden) : string.Empty;
        string c0 = args.HasState && args.IsLstm ? RecurrentOnnx.Reshape(o, o.Input(2), o.Temp("c0_step"), 1, -1, args.Hidden) : string.Empty;
        string yh = o.Temp("Y_h"), yc = args.IsLstm ? o.Temp("Y_c") : string.Empty;
        RecurrentOnnx.Node(o, args.Mode, args.Hidden, 1, args.Bias, string.Empty, args.Input, x, h0, c0, string.Empty, string.Empty, yh, yc);
        RecurrentOnnx.Reshape(o, yh, o.Output(0), -1, args.Hidden);
        if (args.IsLstm) RecurrentOnnx.Reshape(o, yc, o.Output(1), -1, args.Hidden);
    }

    protected override long Flops(CellArgs args, NodeInfo n) => 2L * args.CallSteps * args.Gates * args.Hidden * (args.Input + args.Hidden);
}
