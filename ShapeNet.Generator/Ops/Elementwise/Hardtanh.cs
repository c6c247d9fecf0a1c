using System.Collections.Generic;
using System.Globalization;
using ShapeNet.Generator.Emit;
using ShapeNet.Generator.Inference;

namespace ShapeNet.Generator.Ops;

/// <summary>The bounds of <see cref="Hardtanh"/>.</summary>
internal sealed record HardtanhArgs(double MinVal, double MaxVal) : OpArgs;

/// <summary>PyTorch's <c>F.hardtanh</c>: x clamped to [minVal, maxVal]; dx = dy strictly inside, 0 elsewhere (at the bounds too).
/// Backend parameters: minVal, then maxVal as <c>parameter2</c>.</summary>
internal sealed class Hardtanh : UnaryElementwiseOp<HardtanhArgs>
{
    public override string Name => "Hardtanh";

    public override IReadOnlyList<DslCall> Calls { get; } = new[]
    {
        Dsl.Call("Hardtanh", a => new HardtanhArgs(a.Double("minVal"), a.Double("maxVal")),
            Dsl.Tensor("x"), Dsl.Double("minVal", -1.0), Dsl.Double("maxVal", 1.0)),
    };

    public override string UnaryCode => "Hardtanh";

    public override bool DerivativeFromOutput => false;

    protected override double Parameter(HardtanhArgs args) => args.MinVal;

    protected override double Parameter2(HardtanhArgs args) => args.MaxVal;

    protected override OpResult Infer(HardtanhArgs args, ShapeContext c)
    {
        if (args.MinVal > args.MaxVal)
            return c.Fail(DiagnosticDescriptors.WrongArguments, "Hardtanh", c.Text,
                $"minVal ({args.MinVal.ToString("R", CultureInfo.InvariantCulture)}) must not be greater than maxVal ({args.MaxVal.ToString("R", CultureInfo.InvariantCulture)})");
        return SameShape(args, c);
    }

    /// <summary>Clip(x, minVal, maxVal), the bounds as scalar inputs (opset 11+).</summary>
    protected override void Onnx(HardtanhArgs args, OnnxContext o) =>
        o.Op("Clip", new[] { o.Input(0), o.Scalar("min", args.MinVal), o.Scalar("max", args.MaxVal) }, new[] { o.Output(0) });
}
