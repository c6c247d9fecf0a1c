using ShapeNet.Data;
using ShapeNet.Optim;
using ShapeNet.Runtime.Tests.Support;
using ShapeNet.Samples.Softmax;

namespace ShapeNet.Networks.Tests;

/// <summary>
/// d2l 3.6/3.7 against PyTorch (tests/golden/softmax_fashion.py): from PyTorch's W0 and b = 0, in PyTorch's batch order
/// (two epochs over the first 2,600 shipped training images: ten batches of 256 and one of 40 per epoch), softmax-scratch
/// and softmax-concise train step for step as PyTorch does: the same summed loss per batch, the same correct predictions,
/// the same test accuracy after each epoch and the same final weights. This pins the whole pipeline (pixel scaling, labels,
/// the last partial batch's mean, the SGD step, evaluation), so the seed spread of the last epoch's accuracy in
/// docs/samples.md is the random draw's, not a difference in training. Tolerances are float32 rounding over 22 steps:
/// loss 1e-5 relative, weights 1e-5 × max |w|; correct counts within one image per batch (a near tie can flip an arg-max),
/// test accuracy within two images.
/// </summary>
public class SoftmaxGoldenTests
{
    private const float LearningRate = 0.1f;
    private const int Train = 2600, Epochs = 2, BatchSize = 256;

    private static readonly IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Golden =
        GoldenFile.Load(GoldenFile.PathOf("softmax_fashion.sntensors.gz"));

    private delegate (double LossSum, int Correct) Step(MiniBatch batch);

    /// <summary>Trains with <paramref name="step"/> in PyTorch's order; returns each batch's summed loss and correct count and
    /// the test accuracy after each epoch, read with <paramref name="net"/>.</summary>
    private static (List<double> Loss, List<int> Correct, List<double> TestAccuracy) RunInPyTorchOrder(Step step, SoftmaxTraining.Predict net)
    {
        TensorDataset all = FashionMnist.Load(MnistSplit.Train), test = FashionMnist.Load(MnistSplit.Test);
        float[] perm = Golden["perm"].Data;
        var (losses, corrects, accuracies) = (new List<double>(), new List<int>(), new List<double>());
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            // The epoch's samples in PyTorch's order, read in order: the loader's batches are then PyTorch's batches.
            var features = new float[Train * 784];
            var targets = new float[Train];
            for (int i = 0; i < Train; i++)
            {
                int source = (int)perm[epoch * Train + i];
                all.Features.Data.AsSpan(source * 784, 784).CopyTo(features.AsSpan(i * 784));
                targets[i] = all.Targets.Data[source];
            }
            var loader = new DataLoader(new TensorDataset(new Tensor(features, Train, 1, 28, 28), new Tensor(targets, Train)), BatchSize,
                shuffle: false, prefetch: false);
            foreach (MiniBatch batch in loader)
            {
                (double loss, int correct) = step(batch);
                losses.Add(loss);
                corrects.Add(correct);
            }
            accuracies.Add(SoftmaxTraining.EvaluateAccuracy(net, test, BatchSize));
        }
        return (losses, corrects, accuracies);
    }

    private static void AssertMatchesPyTorch((List<double> Loss, List<int> Correct, List<double> TestAccuracy) run, float[] weight, float[] bias,
        string sample)
    {
        float[] goldenLoss = Golden["batch_loss"].Data, goldenCorrect = Golden["batch_correct"].Data, goldenAccuracy = Golden["test_acc"].Data;
        Assert.Equal(goldenLoss.Length, run.Loss.Count);
        double maxLoss = Enumerable.Range(0, goldenLoss.Length).Max(i => Math.Abs(run.Loss[i] - goldenLoss[i]) / goldenLoss[i]);
        Assert.True(maxLoss <= 1e-5, $"{sample}: per-batch summed loss, max relative difference {maxLoss:E2} > 1e-5 over {goldenLoss.Length} batches");
        int maxCorrect = Enumerable.Range(0, goldenCorrect.Length).Max(i => Math.Abs(run.Correct[i] - (int)goldenCorrect[i]));
        Assert.True(maxCorrect <= 1, $"{sample}: correct predictions of a batch differ from PyTorch's by {maxCorrect}");
        double maxAccuracy = Enumerable.Range(0, Epochs).Max(e => Math.Abs(run.TestAccuracy[e] - goldenAccuracy[e]));
        Assert.True(maxAccuracy <= 2.0 / 5000 + 1e-7,
            $"{sample}: test accuracy per epoch {string.Join(", ", run.TestAccuracy)} vs PyTorch's {string.Join(", ", goldenAccuracy)}");
        float[] goldenWeight = Golden["W"].Data, goldenBias = Golden["b"].Data;
        double scale = goldenWeight.Max(Math.Abs);
        double maxWeight = goldenWeight.Zip(weight, (x, y) => (double)Math.Abs(x - y)).Max();
        double maxBias = goldenBias.Zip(bias, (x, y) => (double)Math.Abs(x - y)).Max();
        Assert.True(maxWeight <= 1e-5 * scale, $"{sample}: W [784, 10] after 22 steps, max |difference| {maxWeight:E2} > 1e-5 × max |w| ({scale:E2})");
        Assert.True(maxBias <= 1e-5 * goldenBias.Max(Math.Abs), $"{sample}: b [10] after 22 steps, max |difference| {maxBias:E2}");
    }

    [Fact]
    public void Softmax_scratch_trains_as_PyTorch_does_from_the_same_start_and_batches()
    {
        var W = new Tensor((float[])Golden["W0"].Data.Clone(), 784, 10);
        Tensor b = Tensor.Zeros(10);
        var run = RunInPyTorchOrder(batch => SoftmaxScratchSample.TrainBatch(W, b, batch, LearningRate), X => SoftmaxScratch.Net(X, W, b));
        AssertMatchesPyTorch(run, W.ToArray(), b.ToArray(), SoftmaxScratchSample.Name);
    }

    [Fact]
    public void Softmax_concise_trains_as_PyTorch_does_from_the_same_start_and_batches()
    {
        var model = new SoftmaxRegression(0);
        Parameter weight = model.Parameters.Single(p => p.Name == "1.weight"), bias = model.Parameters.Single(p => p.Name == "1.bias");
        weight.Value[..] = new Tensor((float[])Golden["W0"].Data.Clone(), 784, 10).T;
        bias.Value[..] = Tensor.Zeros(10);
        using SoftmaxRegression.Plan plan = model.CreatePlan(BatchSize);
        plan.Configure(Loss.CrossEntropy(), new Sgd(LearningRate));
        var logits = new float[BatchSize * 10];
        long step = 0;
        var run = RunInPyTorchOrder(batch => SoftmaxConciseSample.TrainBatch(plan, batch, logits, ++step),
            X => SoftmaxConciseSample.Predict(plan, X));
        plan.CopyParametersToHost();
        AssertMatchesPyTorch(run, weight.Value.T.ToArray(), bias.Value.ToArray(), SoftmaxConciseSample.Name);
    }
}
