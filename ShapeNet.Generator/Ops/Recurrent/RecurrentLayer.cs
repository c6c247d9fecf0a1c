using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Planning;

namespace ShapeNet.Generator.Ops;

/// <summary>
/// A recurrent layer stack's hyper-parameters (<c>[Gru(100, 100, NumLayers = 2, Bidirectional = true)]</c>) and, per call, which
/// optional operands were given: the initial state (<see cref="HasState"/>: h0, and c0 for an LSTM) and per-example lengths.
/// <see cref="Mode"/> is the backend's <c>RecurrentMode</c> member (<c>RnnTanh</c>, <c>RnnRelu</c>, <c>Gru</c>, <c>Lstm</c>).
/// </summary>
internal sealed record RecurrentArgs(string Mode, int Input, int Hidden, int Layers, bool Bidirectional, double Dropout, bool BatchFirst,
    bool Bias, bool HasState = false, bool HasLengths = false) : OpArgs
{
    public int Directions => Bidirectional ? 2 : 1;

    public int Gates => Mode switch { "Gru" => 3, "Lstm" => 4, _ => 1 };

    public bool IsLstm => Mode == "Lstm";

    /// <summary>States: 1 (h) or 2 (h, c) tensors.</summary>
    public int StateTensors => IsLstm ? 2 : 1;

    /// <summary>Operand index of the lengths (after x and the state tensors given).</summary>
    public int LengthsOperand => 1 + (HasState ? StateTensors : 0);

    /// <summary>The plan's <c>RecurrentDescriptor</c> field for this stack (a readonly struct, shared by equal layers), as a call argument.</summary>
    public CallArg Descriptor(string comment) => CallArg.Descriptor("RecurrentDescriptor", comment, DescriptorArguments.Select(CallArg.Code).ToArray());

    /// <summary><c>RecurrentMode.Gru, 10, 16, 2, true, true, false, 0f</c>: the descriptor's constructor arguments.</summary>
    public IReadOnlyList<string> DescriptorArguments => new[]
    {
        "global::ShapeNet.Backends.RecurrentMode." + Mode, Input.ToString(CultureInfo.InvariantCulture), Hidden.ToString(CultureInfo.InvariantCulture),
        Layers.ToString(CultureInfo.InvariantCulture), Bool(Bidirectional), Bool(Bias), Bool(BatchFirst), Sizes.Float(Dropout),
    };

    private static string Bool(bool value) => value ? "true" : "false";
}

/// <summary>
/// What <see cref="Rnn"/>, <see cref="Gru"/> and <see cref="Lstm"/> share: PyTorch's <c>nn.RNN</c>/<c>nn.GRU</c>/<c>nn.LSTM</c>
/// over [Seq, Batch, In] (or [Batch, Seq, In] with <c>BatchFirst</c>) with a static or run-time sequence length, an optional initial state
/// [L·D, Batch, H] and optional per-example lengths (an <c>IntTensor&lt;Batch&gt;</c>: PyTorch's packed sequences), returning the
/// output sequence [Seq, Batch, D·H] and the final state(s) [L·D, Batch, H]. Parameters in <c>named_parameters()</c> order
/// (<c>weight_ih_l0</c>, <c>weight_hh_l0</c>, <c>bias_ih_l0</c>, <c>bias_hh_l0</c>, <c>…_reverse</c>, <c>…_l1</c>), all U(−1/√H, 1/√H).
/// One backend call each way runs the whole stack (<c>Recurrent_Forward/Backward</c>): input projections of all steps in one
/// GEMM, the recurrent GEMM per step, backward through time; the plan binds the parameters once (<c>Recurrent_Bind</c>), keeps
/// a reserve per call for the backward and shares one workspace.
/// </summary>
internal abstract class RecurrentLayerDefinition : LayerDefinition<RecurrentArgs>
{
    /// <summary>Its sizes are element or row counts, so it runs with the run-time <c>Seq</c>.</summary>
    internal override bool TakesRunTimeSeq(OpArgs args, IReadOnlyList<Shape> operands, IReadOnlyList<Shape> outputs) => true;


    private const string WorkspaceField = "_recurrentWorkspace";

    public override int TensorInputs => 1;

    public override bool HasTrainingMode => true;

    public override IReadOnlyCollection<string> FusibleActivations { get; } = new string[0];

    /// <summary>The mode for this attribute (RNN reads <c>Nonlinearity</c>).</summary>
    protected abstract string ModeOf(ILayerAttribute a);


    protected override RecurrentArgs? Bind(ILayerAttribute a)
    {
        int? input = a.PositiveInt(0, "input size"), hidden = a.PositiveInt(1, "hidden size");
        int layers = a.NamedInt("NumLayers") ?? 1;
        double dropout = a.NamedDouble("Dropout") ?? 0;
        bool ok = input is not null && hidden is not null;
        if (layers < 1)
        {
            ok = false;
            a.Report("NumLayers must be at least 1, but it is " + layers.ToString(CultureInfo.InvariantCulture));
        }
        if (!(dropout >= 0 && dropout < 1))
        {
            ok = false;
            a.Report("Dropout must lie in [0, 1), but it is " + dropout.ToString("R", CultureInfo.InvariantCulture));
        }
        if (!ok) return null;
        return new RecurrentArgs(ModeOf(a), input!.Value, hidden!.Value, layers, a.NamedBool("Bidirectional") ?? false, dropout,
            a.NamedBool("BatchFirst") ?? false, a.NamedBool("Bias") ?? true);
    }

    public override IReadOnlyList<LayerOperand> Operands { get; } = new[]
    {
        new LayerOperand("input", Required: true), new LayerOperand("h0", Required: false), new LayerOperand("lengths", Required: false),
    };

    public override OpArgs BindCall(OpArgs args, IReadOnlyList<int> slots) =>
        (RecurrentArgs)args with { HasState = slots.Contains(1), HasLengths = slots.Contains(2) };

    public override TuplePattern? ResultNames { get; } = Pattern("Output", "HN");

    protected static TuplePattern Pattern(params object[] items) => new(string.Empty, items
        .Select(i => i as TuplePattern ?? new TuplePattern((string)i, EquatableArray<TuplePattern>.Empty)).ToEquatableArray());

    /// <summary>PyTorch's parameter names and shapes, in <c>named_parameters()</c> order; the eager layer draws them.</summary>
    protected override IReadOnlyList<LayerTensor> Parameters(RecurrentArgs args)
    {
        var list = new List<LayerTensor>();
        int rows = args.Gates * args.Hidden;
        for (int layer = 0; layer < args.Layers; layer++)
            for (int direction = 0; direction < args.Directions; direction++)
            {
                string suffix = "_l" + layer.ToString(CultureInfo.InvariantCulture) + (direction == 1 ? "_reverse" : string.Empty);
                int inputs = layer == 0 ? args.Input : args.Directions * args.Hidden;
                foreach ((string kind, Shape shape) in Kinds(args, rows, inputs))
                    list.Add(new LayerTensor(kind + suffix, "Parameters[" + list.Count.ToString(CultureInfo.InvariantCulture) + "]", shape, "uniform", args.Hidden));
            }
        return list;
    }

    private static IEnumerable<(string, Shape)> Kinds(RecurrentArgs args, int rows, int inputs)
    {
        yield return ("weight_ih", Shape.Of(Dim.Of(rows), Dim.Of(inputs)));
        yield return ("weight_hh", Shape.Of(Dim.Of(rows), Dim.Of(args.Hidden)));
        if (!args.Bias) yield break;
        yield return ("bias_ih", Shape.Of(Dim.Of(rows)));
        yield return ("bias_hh", Shape.Of(Dim.Of(rows)));
    }

    protected override IReadOnlyList<LayerTensor> Buffers(RecurrentArgs args) => new LayerTensor[0];

    protected override string EagerArguments(RecurrentArgs args, string init, string name) =>
        $"{init}, {name}, {args.Input.ToString(CultureInfo.InvariantCulture)}, {args.Hidden.ToString(CultureInfo.InvariantCulture)}, " +
        $"numLayers: {args.Layers.ToString(CultureInfo.InvariantCulture)}, {(args.Mode == "RnnRelu" ? "relu: true, " : string.Empty)}" +
        $"bias: {B(args.Bias)}, batchFirst: {B(args.BatchFirst)}, dropout: {Sizes.Float(args.Dropout)}, bidirectional: {B(args.Bidirectional)}";

    private static string B(bool value) => value ? "true" : "false";

    internal override bool IntegerOperand(OpArgs args, int operand) => ((RecurrentArgs)args).HasLengths && operand == ((RecurrentArgs)args).LengthsOperand;

    internal override string IntegerOperandName(OpArgs args, int operand) => "lengths";

    protected override OpResult Infer(RecurrentArgs args, ShapeContext c)
    {
        Shape x = c.Shape(0);
        string layout = args.BatchFirst ? "[Batch, Seq, features]" : "[Seq, Batch, features]";
        if (x.Rank != 3)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "an input " + layout + " of rank 3", c.OperandText(0), x.ToNamedString());
        Dim seq = x[args.BatchFirst ? 1 : 0], batch = x[args.BatchFirst ? 0 : 1], features = x[2];
        if ((!seq.IsStatic && !seq.IsSeq) || batch.IsProduct)
            return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, "an input " + layout + " whose sequence axis is a [Dim] size or Seq" +
                (args.BatchFirst ? string.Empty : " (the batch goes second unless BatchFirst = true)"), c.OperandText(0), x.ToNamedString());
        if (!features.IsStatic || features.Size != args.Input)
            return c.Fail(DiagnosticDescriptors.RecurrentInputSize, c.LayerSizeFix(argument: 0, features), c.Member, args.Input, c.OperandText(0),
                features.ToString(), x.ToNamedString());

        var state = Shape.Of(Dim.Of(args.Layers * args.Directions), batch, Dim.Of(args.Hidden));
        if (args.HasState)
        {
            for (int k = 0; k < args.StateTensors; k++)
            {
                Shape given = c.Shape(1 + k);
                if (!given.SameAs(state))
                    return c.Fail(DiagnosticDescriptors.RecurrentStateShape, c.Member, (k == 0 ? "h0 " : "c0 ") + state.ToNamedString(),
                        $"([layers × directions = {args.Layers} × {args.Directions}, Batch, hidden = {args.Hidden}])", c.OperandText(1 + k), given.ToNamedString());
            }
        }
        if (args.HasLengths)
        {
            Shape lengths = c.Shape(args.LengthsOperand);
            if (lengths.Rank != 1 || !lengths[0].SameSizeAs(batch))
                return c.Fail(DiagnosticDescriptors.RankMismatch, c.Text, $"lengths [{batch}] (one length per example)", c.OperandText(args.LengthsOperand),
                    lengths.ToNamedString());
        }
        Dim outputFeatures = Dim.Of(args.Directions * args.Hidden);
        Shape output = args.BatchFirst ? Shape.Of(batch, seq, outputFeatures) : Shape.Of(seq, batch, outputFeatures);
        return args.IsLstm
            ? OpResult.Nested(args, new[] { output, state, state }, OutputTree.Tuple(OutputTree.Leaf(0), OutputTree.Tuple(OutputTree.Leaf(1), OutputTree.Leaf(2))))
            : OpResult.Tuple(args, new[] { output, state });
    }

    protected override Differentiation Gradient(RecurrentArgs args) => Differentiation.AllOperands;

    protected override void Plan(RecurrentArgs args, PlanContext p)
    {
        Shape x = p.InputShape(0);
        if (x.Rank != 3) return;
        CallArg seq = SeqLength(args, x), batch = BatchSize(args, x);
        p.Workspace("_reserve" + p.Id.ToString(CultureInfo.InvariantCulture), $"reserve of {p.Text}: what its forward keeps for its backward",
            $"the reserve of {p.Path}", CallContext.Backend("Recurrent_ReserveLength", args.Descriptor(p.Text), seq, batch));
        p.Workspace(WorkspaceField, "scratch of the recurrent layers (input projections, their gradients, running states)", "the recurrent workspace",
            CallContext.Backend("Recurrent_WorkspaceLength", args.Descriptor(p.Text), seq, batch));
        BindParameters(args, p);
        if (args.Dropout > 0 && args.Layers > 1) p.UsesDropoutSeed();
    }

    /// <summary>The layer's parameters and their gradients bound once in the plan constructor (<c>Recurrent_Bind</c>).</summary>
    internal static void BindParameters(RecurrentArgs args, PlanContext p, IReadOnlyList<string>? names = null)
    {
        names ??= p.Node.Parameters.Select(i => p.Graph.Parameters[i].Name.Substring(p.Path.Length + 1)).ToList();
        string stem = "_" + BufferPlan.Identifier(p.Path);
        foreach (bool gradient in new[] { false, true })
        {
            string buffers = string.Join(", ", names.Select(n => p.ParameterField(n, gradient)));
            p.Handle(stem + (gradient ? "Gradients" : "Parameters"), "global::ShapeNet.Backends.RecurrentTensors",
                $"Backend.Recurrent_Bind(in {p.DescriptorField("RecurrentDescriptor", args.DescriptorArguments, p.Text)}, new {EmitHelpers.BufferType}[] {{ {buffers} }})",
                $"{p.Path}'s parameter {(gradient ? "gradients" : "values")}, bound once");
        }
    }

    /// <summary>The call's one <c>accumulateDx</c> for the input and state gradients it writes. When some are first writes and others
    /// add (a state also used elsewhere), the first writes are zeroed and the call adds to all.</summary>
    internal static string AccumulateInputs(BackwardContext b, IReadOnlyList<int> operands)
    {
        List<int> receiving = operands.Where(b.Receives).ToList();
        bool Adds(int i) => b.Plan.Accumulates(b.Id, i);
        if (receiving.All(Adds)) return receiving.Count > 0 ? "true" : "false";
        if (!receiving.Any(Adds)) return "false";
        foreach (int i in receiving.Where(i => !Adds(i)))
        {
            b.Comment($"d({b.InputText(i)}) = 0, then {b.Text}'s backward adds to it with its other operands' gradients");
            b.CallWritingGradientOf(i, "Fill", b.InputGradient(i), CallArg.Float(0), CallArg.Int(0), CallContext.Count(b.InputShape(i)));
        }
        return "true";
    }

    internal static string HandleOf(NodeInfo n, bool gradient) => "_" + BufferPlan.Identifier(n.Path) + (gradient ? "Gradients" : "Parameters");

    /// <summary>The sequence length: a constant for a [Dim], the pass's <c>seq</c> (the plan's sequence capacity when sizing) for <c>Seq</c>.</summary>
    private static CallArg SeqLength(RecurrentArgs args, Shape x) => SizeExpr.Product(new[] { x[args.BatchFirst ? 1 : 0] });

    private static CallArg BatchSize(RecurrentArgs args, Shape x) => SizeExpr.Product(new[] { x[args.BatchFirst ? 0 : 1] });

    protected override void Forward(RecurrentArgs args, ForwardContext f)
    {
        Shape x = f.InputShape(0);
        bool dropout = args.Dropout > 0 && args.Layers > 1;
        f.Comment(f.Header);
        f.Call("Recurrent_Forward", args.Descriptor(f.Text), f.Output(0), f.Output(1), args.IsLstm ? f.Output(2) : BufferRef.Null,
            f.Workspace("_reserve" + f.Id.ToString(CultureInfo.InvariantCulture)), f.Workspace(WorkspaceField), f.Input(0),
            args.HasState ? f.Input(1) : BufferRef.Null, args.HasState && args.IsLstm ? f.Input(2) : BufferRef.Null, CallArg.Code(HandleOf(f, false)),
            args.HasLengths ? f.Input(args.LengthsOperand) : BufferRef.Null, SeqLength(args, x), BatchSize(args, x), f.Training,
            dropout ? f.DropoutSeed : CallArg.Code("0UL"), dropout ? f.DropoutStep : CallArg.Code("0u"));
    }

    /// <summary>Backward through time of the whole stack: dx, dh0 (and dc0) from the gradients of the output sequence and the
    /// final states that receive one; every parameter's gradient. It always follows a training forward.</summary>
    protected override void Backward(RecurrentArgs args, BackwardContext b)
    {
        Shape x = b.InputShape(0);
        var operands = new List<int> { 0 };
        if (args.HasState) for (int k = 0; k < args.StateTensors; k++) operands.Add(1 + k);
        string accumulate = RecurrentLayerDefinition.AccumulateInputs(b, operands);
        string states = args.IsLstm ? "h_n, c_n" : "h_n";
        b.Comment($"d({b.InputText(0)}){(args.HasState ? ", d(initial state)" : string.Empty)}, d({b.Path}.*) through time from d(output), d({states}): {x} <- {b.Shape}");
        b.Call("Recurrent_Backward", args.Descriptor(b.Text), b.OptionalInputGradient(0),
            args.HasState ? b.OptionalInputGradient(1) : BufferRef.Null, args.HasState && args.IsLstm ? b.OptionalInputGradient(2) : BufferRef.Null,
            CallArg.Code(HandleOf(b, true)), b.Workspace(WorkspaceField),
            b.OutputReceives(0) ? b.OutputGradient(0) : BufferRef.Null, b.OutputReceives(1) ? b.OutputGradient(1) : BufferRef.Null,
            args.IsLstm && b.OutputReceives(2) ? b.OutputGradient(2) : BufferRef.Null,
            b.Workspace("_reserve" + b.Id.ToString(CultureInfo.InvariantCulture)), b.Input(0), CallArg.Code(HandleOf(b, false)),
            args.HasLengths ? b.Input(args.LengthsOperand) : BufferRef.Null, SeqLength(args, x), BatchSize(args, x), CallArg.Named("training", CallArg.Bool(true)),
            CallArg.Named("accumulateDx", CallArg.Code(accumulate)), CallArg.Named("accumulateParameters", b.ParameterAccumulate));
    }

    /// <summary>Per sample: 2·G·H·(in + H) multiply-adds per step, layer and direction (the gate element-wise work not counted).</summary>
    /// <summary>ONNX's RNN, GRU or LSTM, one node per layer (<see cref="RecurrentOnnx"/>): a batch-first input transposed to
    /// [Seq, Batch, In]; each layer's Y [Seq, D, Batch, H] made [Seq, Batch, D·H] for the next; h0 (and c0) sliced per layer and
    /// the final states concatenated; the lengths are ONNX's <c>sequence_lens</c> (padded steps give 0, as PyTorch's packed
    /// sequences). Dropout between layers is the identity in inference.</summary>
    protected override void Onnx(RecurrentArgs args, OnnxContext o)
    {
        int directions = args.Directions, hidden = args.Hidden;
        string x = args.BatchFirst ? RecurrentOnnx.Transpose(o, o.Input(0), "input_seq_first", 1, 0, 2) : o.Input(0);
        string lengths = args.HasLengths ? o.Input(args.LengthsOperand) : string.Empty;
        var finalH = new List<string>();
        var finalC = new List<string>();
        for (int layer = 0; layer < args.Layers; layer++)
        {
            string l = RecurrentOnnx.L(layer);
            bool one = args.Layers == 1, last = layer == args.Layers - 1;
            string h0 = args.HasState ? LayerState(o, o.Input(1), "h0" + l, layer, args) : string.Empty;
            string c0 = args.HasState && args.IsLstm ? LayerState(o, o.Input(2), "c0" + l, layer, args) : string.Empty;
            string y = o.Temp("Y" + l), yh = one ? o.Output(1) : o.Temp("Y_h" + l), yc = !args.IsLstm ? string.Empty : one ? o.Output(2) : o.Temp("Y_c" + l);
            RecurrentOnnx.Node(o, args.Mode, hidden, directions, args.Bias, l, layer == 0 ? args.Input : directions * hidden, x, h0, c0, lengths, y, yh, yc);
            string seqBatch = RecurrentOnnx.Transpose(o, y, "Y_seq_batch" + l, 0, 2, 1, 3);
            x = RecurrentOnnx.Reshape(o, seqBatch, last && !args.BatchFirst ? o.Output(0) : o.Temp("output" + l), 0, 0, directions * hidden);
            finalH.Add(yh);
            finalC.Add(yc);
        }
        if (args.BatchFirst) o.Op("Transpose", new[] { x }, new[] { o.Output(0) }, OnnxAttr.Ints("perm", 1, 0, 2));
        if (args.Layers == 1) return;
        o.Op("Concat", finalH.ToArray(), new[] { o.Output(1) }, OnnxAttr.Int("axis", 0));
        if (args.IsLstm) o.Op("Concat", finalC.ToArray(), new[] { o.Output(2) }, OnnxAttr.Int("axis", 0));
    }

    /// <summary>Layer <paramref name="layer"/>'s [D, Batch, H] of a state [L·D, Batch, H].</summary>
    private static string LayerState(OnnxContext o, string state, string what, int layer, RecurrentArgs args)
    {
        if (args.Layers == 1) return state;
        string sliced = o.Temp(what);
        long from = (long)layer * args.Directions;
        o.Op("Slice", new[] { state, o.Int64s(what + "_starts", new[] { from }), o.Int64s(what + "_ends", new[] { from + args.Directions }),
            o.Int64s(what + "_axes", new[] { 0L }) }, new[] { sliced });
        return sliced;
    }

    protected override long Flops(RecurrentArgs args, NodeInfo n)
    {
        Shape x = n.InputShape(0);
        long seq = x.Rank == 3 && x[args.BatchFirst ? 1 : 0].IsStatic ? x[args.BatchFirst ? 1 : 0].Size : 1;
        long total = 0;
        for (int layer = 0; layer < args.Layers; layer++)
        {
            long inputs = layer == 0 ? args.Input : args.Directions * args.Hidden;
            total += 2L * args.Gates * args.Hidden * (inputs + args.Hidden) * args.Directions * seq;
        }
        return total;
    }
}
