using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ShapeNet.Data;
using ShapeNet.Optim;
using ShapeNet.Samples.Softmax;

namespace ShapeNet.Samples.Tests;

/// <summary>d2l 3.6 and 3.7 on the shipped Fashion-MNIST subset: short runs of both samples (the 10-epoch figures are in
/// docs/samples.md), their pictures, and the two implementations against each other.</summary>
public sealed class SoftmaxSampleTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly SampleRun _run = new();

    public void Dispose() => _run.Dispose();

    private double QuickRun(Func<SoftmaxTraining.Options, TextWriter, int> sample, string name)
    {
        // Three of the book's ten epochs on all 20,000 training images: about 80 % at seed 0 (docs/samples.md has the curves).
        _run.Run(o => sample(new SoftmaxTraining.Options(Epochs: 3, RunsFolder: _run.RunsFolder), o));
        Match match = Regex.Match(_run.Output, @"test accuracy: (\d+\.\d\d)%");
        Assert.True(match.Success, _run.Output);
        double accuracy = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 75, $"{name}: test accuracy {accuracy}% < 75%\n{_run.Output}");

        string[] csv = File.ReadAllLines(_run.File(name, "metrics.csv"));
        Assert.Equal("epoch,train_loss,train_acc,test_acc", csv[0]);
        Assert.Equal(4, csv.Length);
        Assert.Equal(accuracy, double.Parse(csv[3].Split(',')[3], CultureInfo.InvariantCulture) * 100, 2);
        AssertCurves(_run.File(name, "curves.svg"), epochs: 3);
        AssertPredictions(_run.File(name, "predictions.svg"));
        return accuracy;
    }

    [Fact]
    public void Softmax_scratch_short_run_reaches_75_percent_and_draws_the_books_pictures()
    {
        QuickRun(SoftmaxScratchSample.Run, SoftmaxScratchSample.Name);
        Assert.Contains("cross_entropy(y_hat, y) = tensor([2.3026, 0.6931])", _run.Output);
        Assert.Contains("accuracy(y_hat, y) / len(y) = 0.5", _run.Output);
    }

    [Fact]
    public void Softmax_concise_short_run_reaches_75_percent_and_draws_the_books_pictures()
    {
        QuickRun(SoftmaxConciseSample.Run, SoftmaxConciseSample.Name);
        Assert.Contains("1.weight", _run.Output);
        _run.File(SoftmaxConciseSample.Name, "model.safetensors");
    }

    [Fact]
    public void Scratch_and_concise_agree_for_the_same_initial_weights_and_batches()
    {
        // One epoch of 20 batches of 256 (5,000 images, the last batch 136), both from W ~ N(0, 0.01²), b = 0, in the same
        // shuffled order. The concise weight is Wᵀ ([10, 784] against [784, 10]). Tolerances are float32 rounding: the two
        // compute softmax and cross-entropy in different orders (exp / sum then log, against a fused log-softmax).
        const float lr = 0.1f;
        TensorDataset all = FashionMnist.Load(MnistSplit.Train);
        var train = new TensorDataset(SoftmaxTraining.Rows(all.Features, 0, 5000), SoftmaxTraining.Rows(all.Targets, 0, 5000));
        Tensor W = Tensor.Normal(new TensorRandom(3), 0, 0.01, 784, 10), b = Tensor.Zeros(10);
        var model = new SoftmaxRegression(0);
        model.Parameters.Single(p => p.Name == "1.weight").Value[..] = W.T;
        model.Parameters.Single(p => p.Name == "1.bias").Value[..] = b;
        using SoftmaxRegression.Plan plan = model.CreatePlan(256);
        plan.Configure(Loss.CrossEntropy(), new Sgd(lr));
        var logits = new float[256 * 10];

        var scratchBatches = new DataLoader(train, 256, shuffle: true, seed: 5, prefetch: false);
        var conciseBatches = new DataLoader(train, 256, shuffle: true, seed: 5, prefetch: false);
        double maxLossDifference = 0;
        int steps = 0, correctDifference = 0;
        foreach ((MiniBatch s, MiniBatch c) in scratchBatches.Zip(conciseBatches))
        {
            Assert.Equal(s.Targets.ToArray(), c.Targets.ToArray());
            (double scratchLoss, int scratchCorrect) = SoftmaxScratchSample.TrainBatch(W, b, s, lr);
            (double conciseLoss, int conciseCorrect) = SoftmaxConciseSample.TrainBatch(plan, c, logits, step: 1);
            maxLossDifference = Math.Max(maxLossDifference, Math.Abs(scratchLoss - conciseLoss) / conciseLoss);
            correctDifference += Math.Abs(scratchCorrect - conciseCorrect);
            steps++;
        }

        Assert.Equal(20, steps);
        Assert.True(maxLossDifference <= 1e-6, $"per-batch summed loss: max relative difference {maxLossDifference:E2} > 1e-6 (softmax regression, batches [256, 1, 28, 28])");
        // Arg-max of probabilities vs of logits: equal unless exp rounds two nearly tied scores together.
        Assert.True(correctDifference <= 1, $"correct predictions differ by {correctDifference} over the epoch");
        float[] scratchWeight = W.T.ToArray(), conciseWeight = model.Parameters.Single(p => p.Name == "1.weight").Value.ToArray();
        float[] scratchBias = b.ToArray(), conciseBias = model.Parameters.Single(p => p.Name == "1.bias").Value.ToArray();
        double weightDifference = scratchWeight.Zip(conciseWeight, (x, y) => (double)Math.Abs(x - y)).Max();
        double biasDifference = scratchBias.Zip(conciseBias, (x, y) => (double)Math.Abs(x - y)).Max();
        double weightScale = conciseWeight.Max(Math.Abs);
        Assert.True(weightDifference <= 1e-6 * weightScale,
            $"weights after 20 steps: max |difference| {weightDifference:E2} > 1e-6 × max |w| = {1e-6 * weightScale:E2} ([784, 10] vs [10, 784]ᵀ)");
        Assert.True(biasDifference <= 1e-6 * conciseBias.Max(Math.Abs), $"biases after 20 steps: max |difference| {biasDifference:E2}");

        TensorDataset test = FashionMnist.Load(MnistSplit.Test);
        double scratchAccuracy = SoftmaxTraining.EvaluateAccuracy(X => SoftmaxScratch.Net(X, W, b), test, 256);
        double conciseAccuracy = SoftmaxTraining.EvaluateAccuracy(X => SoftmaxConciseSample.Predict(plan, X), test, 256);
        Assert.True(Math.Abs(scratchAccuracy - conciseAccuracy) <= 2.0 / test.Count, $"test accuracy {scratchAccuracy} vs {conciseAccuracy}");
    }

    [Fact]
    public void The_scratch_loss_is_the_sum_of_the_books_cross_entropy_and_its_gradient_is_the_softmax_error()
    {
        // For cross-entropy of softmax, d loss / d logits = y_hat − one_hot(y), so dW = Xᵀ(y_hat − one_hot(y)) and
        // db = Σ rows of (y_hat − one_hot(y)): the closed form the book derives in §3.4. The loss picks y_hat[i, y[i]] with
        // Pick; the one-hot here is only the closed form's.
        TensorDataset test = FashionMnist.Load(MnistSplit.Test);
        Tensor X = SoftmaxTraining.Rows(test.Features, 0, 32), y = SoftmaxTraining.Rows(test.Targets, 0, 32);
        Tensor W = Tensor.Normal(new TensorRandom(1), 0, 0.1, 784, 10), b = Tensor.Normal(new TensorRandom(2), 0, 0.1, 10);

        var (loss, _, dY, dW, dB) = SoftmaxScratch.LossGrad(X, y, W, b);

        Tensor yHat = SoftmaxScratch.Net(X, W, b);
        Assert.Equal(SoftmaxScratch.CrossEntropy(yHat, y).Sum().Item(), loss.Item(), 4);
        Assert.Equal(Losses.CrossEntropy(X.Reshape(32, 784).MatMul(W) + b, y, Reduction.Sum).Item(), loss.Item(), 4);
        Tensor error = yHat - y.OneHot(10);
        AssertClose(X.Reshape(32, 784).T.MatMul(error), dW.Value, "dW");
        AssertClose(error.Sum(0), dB.Value, "db");
        Assert.All(dY.Value.ToArray(), g => Assert.Equal(0f, g)); // the labels are data: Pick sends them no gradient
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        double max = expected.ToArray().Zip(actual.ToArray(), (e, a) => (double)Math.Abs(e - a)).Max();
        Assert.True(max <= 1e-5, $"{what}: max |difference| {max:E2} > 1e-5 (shape {Tensor.ShapeText(expected.Shape)})");
    }

    /// <summary>The Animator's plot: three series named as the book's legend, one point per epoch, in its formats, on
    /// xlim [1, epochs] and ylim [0.3, 0.9].</summary>
    internal static void AssertCurves(string path, int epochs)
    {
        XDocument doc = XDocument.Parse(File.ReadAllText(path));
        var series = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.Equal(["train loss", "train acc", "test acc"], series.Select(g => (string)g.Attribute("data-name")!));
        var lines = series.Select(g => g.Element(Svg + "polyline")!).ToList();
        Assert.All(lines, l => Assert.Equal(epochs, l.Attribute("points")!.Value.Split(' ').Length));
        Assert.Null(lines[0].Attribute("stroke-dasharray"));
        Assert.NotNull(lines[1].Attribute("stroke-dasharray"));
        Assert.NotNull(lines[2].Attribute("stroke-dasharray"));
        Assert.Equal(["#1f77b4", "#bf00bf", "#008000"], lines.Select(l => (string)l.Attribute("stroke")!));
        var yTicks = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "tick-labels").Elements()
            .Where(t => (string?)t.Attribute("text-anchor") == "end").Select(t => t.Value).ToList();
        Assert.Equal(["0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"], yTicks);
        Assert.Contains("epoch", doc.Descendants(Svg + "text").Select(t => t.Value));
    }

    /// <summary>predict_ch3's picture: 18 cells, each a 28 × 28 PNG scaled up under two caption lines that are Fashion-MNIST labels.</summary>
    internal static void AssertPredictions(string path)
    {
        XDocument doc = XDocument.Parse(File.ReadAllText(path));
        var cells = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "cell").ToList();
        Assert.Equal(SoftmaxTraining.PredictionCount, cells.Count);
        foreach (XElement cell in cells)
        {
            string[] captions = cell.Elements(Svg + "text").Select(t => t.Value).ToArray();
            Assert.Equal(2, captions.Length);
            Assert.All(captions, c => Assert.Contains(c, FashionMnist.Labels));
            XElement image = cell.Element(Svg + "image")!;
            PictureTests.AssertGrayPng(PictureTests.DataUriBytes((string)image.Attribute("href")!), 28, 28);
        }
        // The first test image is a pullover (label 2 in the README), so the first caption says so.
        Assert.Equal("pullover", cells[0].Elements(Svg + "text").First().Value);
    }
}
