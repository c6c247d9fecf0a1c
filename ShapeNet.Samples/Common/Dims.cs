using ShapeNet;

namespace ShapeNet.Samples;

/// <summary>One feature or one output (lectures 2–6).</summary>
[Dim(1)] public partial struct One;

/// <summary>Two features (d2l's synthetic regression, w = [2, −3.4]).</summary>
[Dim(2)] public partial struct Two;
