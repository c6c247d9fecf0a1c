using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Networks.Tests.Support;

/// <summary>
/// Compares a plan's backward pass (float32) with float64 central finite differences of the network's eager forward.
/// The scalar checked is L = Σ wⱼ·outⱼ for a random upstream gradient w, accumulated in double from the float outputs;
/// each parameter and input coordinate in a sample is perturbed in place by ±<see cref="Step"/>.
/// </summary>
internal sealed class GradientCheck
{
    /// <summary>The finite-difference step. Large enough that float32 rounding of the outputs (≈1e-7 relative) divided by
    /// 2h stays near 1e-5, small enough that the O(h²) truncation error and the chance of crossing a ReLU/Abs kink stay small.</summary>
    public const double Step = 5e-3;

    /// <summary>|analytic − finite difference| ≤ Atol + Rtol·|finite difference|.</summary>
    public const double Rtol = 1e-2, Atol = 1e-3;

    public required NetworkPlan Plan { get; init; }

    /// <summary>The eager forward on input arrays (shared, so perturbing them in place changes the next call).</summary>
    public required Func<float[][], float[]> Eager { get; init; }

    /// <summary>Which inputs get a gradient (a loss target does not: it is data).</summary>
    public bool[]? DifferentiableInputs { get; init; }

    public int Samples { get; init; } = 6;

    /// <summary>The run-time sequence length to run the plan at (a network with <c>Seq</c>), or null.</summary>
    public int? Sequence { get; init; }

    /// <summary>Integer inputs (lengths, ids) by input index: uploaded as ints and not checked (the float array at that index
    /// is ignored); the eager forward reads them itself.</summary>
    public IReadOnlyDictionary<int, int[]>? Integers { get; init; }

    /// <summary>How many sampled coordinates had a kink even within Step / 8 (reported by the tests).</summary>
    public int Kinks { get; private set; }

    /// <summary>Runs forward(training) + Backward(w) on <paramref name="inputs"/> at <paramref name="batch"/> and checks sampled coordinates
    /// of every parameter and input gradient; returns the largest absolute difference seen.</summary>
    public double Run(float[][] inputs, int batch, int seed)
    {
        NetworkPlan plan = Plan;
        plan.ComputeInputGradients = true;
        if (Sequence is { } sequence) plan.SetSequence(sequence);
        plan.SetBatch(batch);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (Integers is { } integers && integers.TryGetValue(i, out int[]? ints)) plan.UploadInput(i, ints);
            else plan.UploadInput(i, inputs[i]);
        }
        plan.Forward(training: true);
        float[] upstream = TestData.Uniform(seed, (int)plan.OutputLength);
        plan.Backward(upstream);
        plan.CopyGradientsToHost();

        var random = new Random(seed);
        var failures = new List<string>();
        double worst = 0;
        double Loss()
        {
            float[] output = Eager(inputs);
            double sum = 0;
            for (int j = 0; j < output.Length; j++) sum += (double)upstream[j] * output[j];
            return sum;
        }

        void Check(string name, float[] values, float[] analytic, int[] shape)
        {
            Assert.True(analytic.Any(g => g != 0), $"{name}: the gradient is identically zero");
            int[] picks = Enumerable.Range(0, Samples).Select(_ => random.Next(values.Length)).Distinct().ToArray();
            var expected = new double[picks.Length];
            var actual = new float[picks.Length];
            double baseline = Loss();
            for (int k = 0; k < picks.Length; k++)
            {
                int index = picks[k];
                expected[k] = FiniteDifference(values, index, baseline, analytic[index]);
                actual[k] = analytic[index];
                worst = Math.Max(worst, Math.Abs(expected[k] - actual[k]));
            }
            try
            {
                Numerics.AssertClose(expected, actual, Rtol, Atol, $"{name} gradient at {picks.Length} sampled coordinates of", shape);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                failures.Add(e.Message);
            }
        }

        // Central difference at Step; when a ReLU or Abs kink lies within the step the one-sided differences disagree
        // (by more than the tolerance), so retry at Step / 8, where a kink is 8 times less likely. If there is still one,
        // the analytic gradient is the slope on the side of x without the kink: the closer one-sided difference.
        double FiniteDifference(float[] values, int index, double baseline, float analytic)
        {
            float saved = values[index];
            for (double h = Step; ; h /= 8)
            {
                float up = (float)(saved + h), down = (float)(saved - h); // the steps actually taken in float32
                values[index] = up;
                double plus = Loss();
                values[index] = down;
                double minus = Loss();
                values[index] = saved;
                double central = (plus - minus) / ((double)up - down);
                double forward = (plus - baseline) / ((double)up - saved), backward = (baseline - minus) / ((double)saved - down);
                if (Math.Abs(forward - backward) <= Atol + Rtol * Math.Abs(central)) return central;
                if (h < Step)
                {
                    Kinks++;
                    return Math.Abs(forward - analytic) < Math.Abs(backward - analytic) ? forward : backward;
                }
            }
        }

        foreach (Parameter p in plan.Network.Parameters)
            Check(p.Name, p.Value.Data, p.Grad.Data, p.Shape);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (DifferentiableInputs is { } d && !d[i]) continue;
            if (Integers is { } integers && integers.ContainsKey(i)) continue;
            Check($"input {i}", inputs[i], plan.InputGradient(i), [inputs[i].Length]);
        }
        if (failures.Count > 0) throw new Xunit.Sdk.XunitException(string.Join("\n", failures));
        return worst;
    }
}
