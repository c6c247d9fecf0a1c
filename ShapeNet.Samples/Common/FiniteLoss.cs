namespace ShapeNet.Samples.Common;

/// <summary>The samples stop at the first step whose loss is NaN or infinite, saying which step, instead of training on
/// (issue 8: a diverging run continued silently). The plan's <see cref="NetworkPlan.CheckFinite"/> then names the op.</summary>
public static class FiniteLoss
{
    /// <summary><paramref name="plan"/>'s loss after train step <paramref name="step"/> (1-based, counted over the whole run);
    /// throws <see cref="NonFiniteLossException"/> when it is not finite.</summary>
    public static float Read(NetworkPlan plan, long step)
    {
        float loss = plan.Loss;
        if (!float.IsFinite(loss)) throw new NonFiniteLossException(step, loss);
        return loss;
    }

    /// <summary><paramref name="plan"/>'s mean loss since the last read (<see cref="NetworkPlan.ReadAverageLoss"/>: summed on the
    /// device, one read per epoch), after train step <paramref name="step"/>; throws <see cref="NonFiniteLossException"/> when it
    /// is not finite (a non-finite step loss anywhere in the window makes the sum non-finite; the exception names the window's
    /// last step).</summary>
    public static float ReadAverage(NetworkPlan plan, long step)
    {
        float loss = plan.ReadAverageLoss();
        if (!float.IsFinite(loss)) throw new NonFiniteLossException(step, loss);
        return loss;
    }
}

/// <summary>A sample's training stopped because the loss of a step was not finite.</summary>
public sealed class NonFiniteLossException(long step, float loss) : Exception(
    $"Training stopped at step {step:N0}: the loss is {(float.IsNaN(loss) ? "NaN" : loss > 0 ? "+infinity" : "-infinity")}. " +
    "Lower the learning rate or normalise the inputs; set plan.CheckFinite = true to name the op that first produced a non-finite value.")
{
    /// <summary>The 1-based train step whose loss was not finite.</summary>
    public long Step { get; } = step;
}
