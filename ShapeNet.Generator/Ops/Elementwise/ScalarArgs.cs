namespace ShapeNet.Generator.Ops;

/// <summary>The constant of a tensor–number operator (<c>x + 2</c>, <c>0.5 * x</c>, <c>1 - x</c>, <c>1 / x</c>).</summary>
internal sealed record ScalarArgs(double C) : OpArgs;
