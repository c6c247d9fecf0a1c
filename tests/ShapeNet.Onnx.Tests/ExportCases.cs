using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Onnx.Tests.Networks;
using ShapeNet.Samples.Benchmarks;
using ShapeNet.Samples.BreastCancer;
using ShapeNet.Samples.Cnn;
using ShapeNet.Samples.LinearRegression;
using ShapeNet.Samples.LogisticRegression;
using ShapeNet.Samples.Mnist;
using ShapeNet.Samples.Softmax;

namespace ShapeNet.Onnx.Tests;

/// <summary>A network to export: how to create it, plan it and export it (the generated methods are per class).</summary>
public sealed record ExportCase(Func<Module> Create, Func<Module, int, NetworkPlan> Plan, Func<Module, int?, int, byte[]> Onnx)
{
    public static ExportCase Of<T>(Func<T> create, Func<T, int, NetworkPlan> plan, Func<T, int?, int, byte[]> onnx) where T : Module =>
        new(() => create(), (m, batch) => plan((T)m, batch), (m, batch, opset) => onnx((T)m, batch, opset));

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
    };

    /// <summary>Networks that together use every op ONNX export maps (see each class's summary).</summary>
    public static readonly IReadOnlyDictionary<string, ExportCase> OpCoverage = new Dictionary<string, ExportCase>
    {
        ["TwoInputNet"] = Of(() => new TwoInputNet(25), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["AllOpsNet"] = Of(() => new AllOpsNet(12), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["BatchNormCnn"] = Of(() => new BatchNormCnn(13), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["NestedBatchNorm"] = Of(() => new NestedBatchNorm(14), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["DropoutNet"] = Of(() => new DropoutNet(15), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["OnnxConvNet"] = Of(() => new OnnxConvNet(16), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
        ["ActivationNet"] = Of(() => new ActivationNet(17), (n, b) => n.CreatePlan(b), (n, b, o) => n.ToOnnx(b, o)),
    };

    public static TheoryData<string> SampleNames => new(Samples.Keys);

    public static TheoryData<string> OpCoverageNames => new(OpCoverage.Keys);

    public static ExportCase Find(string name) => Samples.TryGetValue(name, out ExportCase? c) ? c : OpCoverage[name];
}
