using System.Diagnostics;
using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests;

/// <summary>Training actually learns: the MNIST MLP fits a small separable problem (ten noisy prototypes) to 100%
/// training accuracy within a few hundred steps.</summary>
public class TrainingTests(ITestOutputHelper output)
{
    private const int Samples = 320, Batch = 32, MaxSteps = 300;

    [Fact]
    public void The_mlp_reaches_full_training_accuracy_on_a_separable_problem()
    {
        float[] prototypes = TestData.Normal(200, 10 * 784);
        float[] noise = TestData.Normal(201, Samples * 784);
        var x = new float[Samples * 784];
        var labels = new float[Samples];
        for (int s = 0; s < Samples; s++)
        {
            int c = s % 10;
            labels[s] = c;
            for (int i = 0; i < 784; i++) x[s * 784 + i] = prototypes[c * 784 + i] + noise[s * 784 + i];
        }

        var model = new MnistMlp(seed: 11);
        using MnistMlp.Plan plan = model.CreatePlan(Batch);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0.02f, momentum: 0.9f));
        var clock = Stopwatch.StartNew();
        int steps = 0;
        double accuracy = 0, firstLoss = double.NaN;
        while (steps < MaxSteps)
        {
            for (int start = 0; start < Samples; start += Batch, steps++)
            {
                plan.TrainStep(x.AsSpan(start * 784, Batch * 784), labels.AsSpan(start, Batch), Batch);
                if (steps == 0) firstLoss = plan.Loss;
            }
            accuracy = Accuracy(plan, x, labels);
            if (accuracy == 1) break;
        }
        output.WriteLine($"{steps} steps in {clock.Elapsed.TotalSeconds:F2} s: loss {firstLoss:F3} → {plan.Loss:F4}, training accuracy {accuracy:P1}");
        Assert.True(accuracy >= 0.99, $"training accuracy {accuracy:P1} after {steps} steps");
        Assert.True(plan.Loss < firstLoss / 2, $"the loss fell only from {firstLoss} to {plan.Loss}");
    }

    [Fact]
    public void A_network_returning_its_loss_trains_by_backward_from_one()
    {
        const int batch = 16;
        var model = new RegressionLoss(seed: 12);
        using RegressionLoss.Plan plan = model.CreatePlan(batch);
        plan.Configure(Loss.Mse(), new Sgd(0.1f, momentum: 0.9f)); // the optimizer; the loss is the network's output
        float[] x = TestData.Normal(300, batch * 6);
        var target = new float[batch * 3];
        for (int s = 0; s < batch; s++)
            for (int j = 0; j < 3; j++) target[s * 3 + j] = MathF.Sin(x[s * 6 + j]) - 0.5f * x[s * 6 + j + 3];
        plan.SetBatch(batch);
        plan.UploadInput(0, x);
        plan.UploadInput(1, target);
        float first = float.NaN, last = float.NaN;
        for (int step = 0; step < 200; step++)
        {
            plan.Forward(training: true);
            last = plan.OutputToArray()[0];
            if (step == 0) first = last;
            plan.Backward([1f]);
            plan.Step();
        }
        output.WriteLine($"MSE {first:F4} → {last:F5} in 200 steps");
        Assert.True(last < first / 20, $"the MSE fell only from {first} to {last}");
    }

    private static double Accuracy(MnistMlp.Plan plan, float[] x, float[] labels)
    {
        int correct = 0;
        var logits = new float[Batch * 10];
        for (int start = 0; start < labels.Length; start += Batch)
        {
            plan.Forward(x.AsSpan(start * 784, Batch * 784), logits, Batch);
            for (int i = 0; i < Batch; i++)
            {
                int best = 0;
                for (int c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
                if (best == (int)labels[start + i]) correct++;
            }
        }
        return (double)correct / labels.Length;
    }
}
