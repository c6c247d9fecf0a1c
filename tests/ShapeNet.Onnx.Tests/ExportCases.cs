using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Onnx.Tests.Networks;
using ShapeNet.Samples.Benchmarks;
using ShapeNet.Samples.BreastCancer;
using ShapeNet.Samples.Cnn;
using ShapeNet.Samples.LinearRegression;
using ShapeNet.Samples.LogisticRegression;
using ShapeNet.Samples.Mnist;
using ShapeNet.Samples.Recurrent;
using ShapeNet.Samples.Softmax;

namespace ShapeNet.Onnx.Tests;

/// <summary>A network to export: how to create it, plan it and export it (the generated methods are per class), and the range
/// [low, high) of each integer input's values (token ids below the vocabulary, lengths from 1 to the sequence length; a float
/// input listed there gets whole-number floats, as Pick's indices). <see cref="Outputs"/> runs a tuple-returning network's typed
/// plan on the same inputs and returns every output in order (the untyped plan downloads only the first).</summary>
public sealed record ExportCase(Func<Module> Create, Func<Module, int, NetworkPlan> Plan, Func<Module, int?, int, byte[]> Onnx,
    IReadOnlyDictionary<string, (int Low, int High)>? IntegerRanges = null)
{
    /// <summary>All outputs of a tuple-returning network (plan, the input arrays as uploaded, batch), or null for one output.</summary>
    public Func<NetworkPlan, IReadOnlyList<Array>, int, float[][]>? Outputs { get; init; }

    public static ExportCase Of<T>(Func<T> create, Func<T, int, NetworkPlan> plan, Func<T, int?, int, byte[]> onnx,
        IReadOnlyDictionary<string, (int Low, int High)>? integerRanges = null) where T : Module =>
        new(() => create(), (m, batch) => plan((T)m, batch), (m, batch, opset) => onnx((T)m, batch, opset), integerRanges);

    /// <summary>Every [Network] of ShapeNet.Samples that is not a generic block (blocks are exported inside their parents).</summary>
    public static readonly IReadOnlyDictionary<string, ExportCase> Samples = new Dictionary<string, ExportCase>
    {
        ["MnistMlp"] = Of(() => new MnistMlp(1), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["BasicCnn"] = Of(() => new BasicCnn(2), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["InceptionCnn"] = Of(() => new InceptionCnn(3), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["ResNetCnn"] = Of(() => new ResNetCnn(4), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["DeepCnn"] = Of(() => new DeepCnn(5), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["SoftmaxRegression"] = Of(() => new SoftmaxRegression(6), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["LinearModel"] = Of(() => new LinearModel(7), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["LogisticModel"] = Of(() => new LogisticModel(8), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["TabularModel"] = Of(() => new TabularModel(9), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["LinearRegression"] = Of(() => new LinearRegression(10), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["Logistic8"] = Of(() => new Logistic8(11), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["GruClassifier"] = Of(() => new GruClassifier(30), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o), Ids(128)),
        ["LanguageClassifier"] = Of(() => new LanguageClassifier(31), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o),
            new Dictionary<string, (int, int)> { ["ids"] = (0, 63), ["lengths"] = (1, 15) }),
        ["HelloRnnCell"] = Of(() => new HelloRnnCell(32), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o), Ids(4)),
        ["HelloRnn"] = Of(() => new HelloRnn(33), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o), Ids(4)),
        ["HelloEmbedding"] = Of(() => new HelloEmbedding(34), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o), Ids(4)),
        ["HelloLstm"] = Of(() => new HelloLstm(35), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o), Ids(4)),
        ["HelloGru"] = Of(() => new HelloGru(36), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o), Ids(4)),
    };

    /// <summary>Networks that together use every op ONNX export maps (see each class's summary).</summary>
    public static readonly IReadOnlyDictionary<string, ExportCase> OpCoverage = new Dictionary<string, ExportCase>
    {
        ["PickNet"] = Of(() => new PickNet(26), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o),
            new Dictionary<string, (int, int)> { ["labels"] = (0, 5) }),
        ["MultiOutputNet"] = Of(() => new MultiOutputNet(27), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["GatedPair"] = Of(() => new GatedPair(28), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)) with
        {
            Outputs = (p, inputs, b) =>
            {
                var (gated, gate) = ((GatedPair.Plan)p).Forward(new Tensor<Batch, Readings>(new Tensor((float[])inputs[0], b, 6)));
                return [gated.Data, gate.Data];
            },
        },
        ["TopKNet"] = Of(() => new TopKNet(29), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)) with
        {
            Outputs = (p, inputs, b) =>
            {
                var (values, indices) = ((TopKNet.Plan)p).Forward(new Tensor<Batch, Readings>(new Tensor((float[])inputs[0], b, 6)));
                return [values.Data, indices.Data];
            },
        },
        ["LstmStatesNet"] = Of(() => new LstmStatesNet(37), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)) with
        {
            Outputs = (p, inputs, b) =>
            {
                var (output, h, c) = ((LstmStatesNet.Plan)p).Forward(new Tensor<Batch, TupleSteps, TupleFeatures>(new Tensor((float[])inputs[0], b, 5, 3)),
                    new Tensor<TupleLayers, Batch, TupleHidden>(new Tensor((float[])inputs[1], 2, b, 4)), new Tensor<TupleLayers, Batch, TupleHidden>(new Tensor((float[])inputs[2], 2, b, 4)));
                return [output.Data, h.Data, c.Data];
            },
        },
        ["BiGruStatesNet"] = Of(() => new BiGruStatesNet(38), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o),
            new Dictionary<string, (int, int)> { ["ids"] = (0, 9), ["lengths"] = (1, 6) }) with
        {
            Outputs = (p, inputs, b) =>
            {
                var (output, hN) = ((BiGruStatesNet.Plan)p).Forward(new IntTensor<TupleSteps, Batch>(new IntTensor((int[])inputs[0], 5, b)),
                    new IntTensor<Batch>(new IntTensor((int[])inputs[1], b)));
                return [output.Data, hN.Data];
            },
        },
        ["TwoInputNet"] = Of(() => new TwoInputNet(25), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["BiGruNet"] = Of(() => new BiGruNet(18), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o),
            new Dictionary<string, (int, int)> { ["ids"] = (0, 32), ["lengths"] = (1, 8) }),
        ["GruStackNet"] = Of(() => new GruStackNet(19), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["LstmNet"] = Of(() => new LstmNet(20), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["ReluRnnNet"] = Of(() => new ReluRnnNet(21), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["GruCellLoopNet"] = Of(() => new GruCellLoopNet(22), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["RnnCellLoopNet"] = Of(() => new RnnCellLoopNet(26), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["LstmCellLoopNet"] = Of(() => new LstmCellLoopNet(27), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["CellsNet"] = Of(() => new CellsNet(23), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["OnnxRecurrentNet"] = Of(() => new OnnxRecurrentNet(24), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o),
            new Dictionary<string, (int, int)> { ["ids"] = (0, 12), ["lengths"] = (1, 7) }),
        ["AllOpsNet"] = Of(() => new AllOpsNet(12), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["BatchNormCnn"] = Of(() => new BatchNormCnn(13), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["NestedBatchNorm"] = Of(() => new NestedBatchNorm(14), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["DropoutNet"] = Of(() => new DropoutNet(15), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["OnnxConvNet"] = Of(() => new OnnxConvNet(16), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["ActivationNet"] = Of(() => new ActivationNet(17), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
    };

    /// <summary>Token ids below <paramref name="vocabulary"/> for the input <c>ids</c>.</summary>
    private static Dictionary<string, (int, int)> Ids(int vocabulary) => new() { ["ids"] = (0, vocabulary) };

    public static TheoryData<string> SampleNames => new(Samples.Keys);

    public static TheoryData<string> OpCoverageNames => new(OpCoverage.Keys);

    public static ExportCase Find(string name) => Samples.TryGetValue(name, out ExportCase? c) ? c : OpCoverage[name];
}
