using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>A recurrent cell's sizes (<c>[GruCell(4, 4)]</c>) and, per call, whether a state was passed (else zeros).</summary>
internal sealed record CellArgs(string Mode, int Input, int Hidden, bool Bias, bool HasState = false) : OpArgs
{
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

    protected override CellArgs? Bind(ILayerAttribute a)
    {
        int? input = a.Int(0), hidden = a.Int(1);
        bool ok = true;
        if (input is not > 0)
        {
            ok = false;
            a.Report("the input size must be a positive int, but it is " + (input?.ToString(CultureInfo.InvariantCulture) ?? "not an int"));
        }
        if (hidden is not > 0)
        {
            ok = false;
            a.Report("the hidden size must be a positive int, but it is " + (hidden?.ToString(CultureInfo.InvariantCulture) ?? "not an int"));
        }
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
        Shape x = p.InputShape(0);
        if (x.Rank != 2) return;
        SizeExpr batch = SizeExpr.Product(new[] { x[0] });
        p.Workspace("_reserve" + p.Id.ToString(CultureInfo.InvariantCulture), $"reserve of {p.Text}: its gates, kept for the backward",
            $"the reserve of {p.Text}", CallContext.Backend("Recurrent_ReserveLength", args.Descriptor(p.Text), CallArg.Int(1), batch));
        p.Workspace(WorkspaceField, "scratch of the recurrent layers (input projections, their gradients, running states)", "the recurrent workspace",
            CallContext.Backend("Recurrent_WorkspaceLength", args.Descriptor(p.Text), CallArg.Int(1), batch));
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

    protected override void Forward(CellArgs args, ForwardContext f)
    {
        f.Comment(f.Header);
        f.Call("Recurrent_Forward", args.Descriptor(f.Text), f.Output(0), BufferRef.Null, args.IsLstm ? f.Output(1) : BufferRef.Null,
            f.Workspace("_reserve" + f.Id.ToString(CultureInfo.InvariantCulture)), f.Workspace(WorkspaceField), f.Input(0),
            args.HasState ? f.Input(1) : BufferRef.Null, args.HasState && args.IsLstm ? f.Input(2) : BufferRef.Null,
            CallArg.Code(RecurrentLayerDefinition.HandleOf(f, false)), BufferRef.Null, CallArg.Int(1), SizeExpr.Product(new[] { f.InputShape(0)[0] }),
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
            b.OutputReceives(0) ? b.OutputGradient(0) : BufferRef.Null, BufferRef.Null, args.IsLstm && b.OutputReceives(1) ? b.OutputGradient(1) : BufferRef.Null,
            b.Workspace("_reserve" + b.Id.ToString(CultureInfo.InvariantCulture)), b.Input(0), CallArg.Code(RecurrentLayerDefinition.HandleOf(b, false)),
            BufferRef.Null, CallArg.Int(1), SizeExpr.Product(new[] { b.InputShape(0)[0] }), CallArg.Named("training", CallArg.Bool(true)),
            CallArg.Named("accumulateDx", CallArg.Code(accumulate)), CallArg.Named("accumulateParameters", b.ParameterAccumulate));
    }

    /// <summary>A cell is ONNX's RNN, GRU or LSTM node at sequence length 1 (<see cref="RecurrentOnnx"/>): x and the state get a
    /// leading axis of 1, the final state loses it.</summary>
    protected override void Onnx(CellArgs args, OnnxContext o)
    {
        string x = RecurrentOnnx.Reshape(o, o.Input(0), o.Temp("input_step"), 1, -1, args.Input);
        string h0 = args.HasState ? RecurrentOnnx.Reshape(o, o.Input(1), o.Temp("h0_step"), 1, -1, args.Hidden) : string.Empty;
        string c0 = args.HasState && args.IsLstm ? RecurrentOnnx.Reshape(o, o.Input(2), o.Temp("c0_step"), 1, -1, args.Hidden) : string.Empty;
        string yh = o.Temp("Y_h"), yc = args.IsLstm ? o.Temp("Y_c") : string.Empty;
        RecurrentOnnx.Node(o, args.Mode, args.Hidden, 1, args.Bias, string.Empty, args.Input, x, h0, c0, string.Empty, string.Empty, yh, yc);
        RecurrentOnnx.Reshape(o, yh, o.Output(0), -1, args.Hidden);
        if (args.IsLstm) RecurrentOnnx.Reshape(o, yc, o.Output(1), -1, args.Hidden);
    }

    protected override long Flops(CellArgs args, NodeInfo n) => 2L * args.Gates * args.Hidden * (args.Input + args.Hidden);
}
