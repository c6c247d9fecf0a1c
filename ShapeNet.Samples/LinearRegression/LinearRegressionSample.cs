using System.CommandLine;
using ShapeNet.Data;
using ShapeNet.Optim;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.LinearRegression;

/// <summary>
/// Lecture 5: <see cref="LinearModel"/> (Linear(1, 1)) on x = [[1], [2], [3]], y = [[2], [4], [6]] with MSE (sum) and
/// SGD lr 0.01 for 1000 epochs: w ≈ 2, b ≈ 0, predict(4) ≈ 8. <c>--synthetic</c> runs d2l's from-scratch version instead.
/// </summary>
public static class LinearRegressionSample
{
    public const double ExpectedPrediction = 8.0;

    public sealed record Options(int Epochs = 1000, float LearningRate = 0.01f, int Seed = 0, bool Synthetic = false,
        int SyntheticEpochs = 3, int BatchSize = 10, float SyntheticLearningRate = 0.03f, string? RunsFolder = null);

    public static Command Command()
    {
        var epochs = new Option<int>("--epochs") { Description = "Epochs (lecture 5: 1000; --synthetic: 3).", DefaultValueFactory = _ => -1 };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation and data.", DefaultValueFactory = _ => 0 };
        var synthetic = new Option<bool>("--synthetic") { Description = "d2l's from-scratch linear regression on y = Xw + b + noise, w = [2, -3.4], b = 4.2." };
        var runs = new Option<string?>("--runs") { Description = "Folder for metrics.csv and the plots (default: runs)." };
        var command = new Command("linear-regression", "Lecture 5: Linear(1, 1) with MSE and SGD; --synthetic for d2l's from-scratch version.")
        {
            epochs, seed, synthetic, runs,
        };
        command.SetAction(result =>
        {
            int e = result.GetValue(epochs);
            var o = new Options(Seed: result.GetValue(seed), Synthetic: result.GetValue(synthetic), RunsFolder: result.GetValue(runs));
            if (e > 0) o = o.Synthetic ? o with { SyntheticEpochs = e } : o with { Epochs = e };
            return Run(o, Console.Out);
        });
        return command;
    }

    public static int Run(Options options, TextWriter output) =>
        options.Synthetic ? RunSynthetic(options, output) : RunLecture(options, output);

    /// <summary>x = [[1], [2], [3]], y = [[2], [4], [6]].</summary>
    public static (float[] X, float[] Y) LectureData() => ([1f, 2f, 3f], [2f, 4f, 6f]);

    /// <summary>Trains a fresh <see cref="LinearModel"/> with <paramref name="optimizer"/> and MSE (sum); returns the model
    /// and the loss of every epoch.</summary>
    public static (LinearModel Model, double[] Losses) Train(Optimizer optimizer, int epochs, int seed, IProgressSink? progress = null)
    {
        (float[] x, float[] y) = LectureData();
        var model = new LinearModel(seed);
        using LinearModel.Plan plan = model.CreatePlan(x.Length, SampleDevice.Backend);
        plan.Configure(Loss.Mse(Reduction.Sum), optimizer);
        var losses = new double[epochs];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            plan.TrainStep(x, y, x.Length);
            losses[epoch] = FiniteLoss.Read(plan, epoch + 1);
            progress?.Report(epoch + 1, losses[epoch], (long)(epoch + 1) * x.Length);
        }
        plan.CopyParametersToHost(); // w and b are read from the network (a no-op on the CPU)
        return (model, losses);
    }

    /// <summary>The eager forward of the trained model at x = 4.</summary>
    public static double Predict(LinearModel model, float x) => model.Forward(Tensor<Batch, One>.FromArray([x], 1)).Data[0];

    private static int RunLecture(Options options, TextWriter output)
    {
        output.WriteLine(LinearModel.Summary);
        output.WriteLine($"x = [[1], [2], [3]], y = [[2], [4], [6]]; MSE (sum), SGD lr {options.LearningRate}, {options.Epochs} epochs, seed {options.Seed}");
        LinearModel model = null!;
        double[] losses = [];
        TrainingProgress.Run(output, "linear-regression", options.Epochs,
            sink => (model, losses) = Train(new Sgd(options.LearningRate), options.Epochs, options.Seed, sink));

        float w = model.Parameters[0].Value.Data[0], b = model.Parameters[1].Value.Data[0];
        output.WriteLine($"w = {Report.Number(w)}, b = {Report.Number(b)}, final loss {Report.Number(losses[^1], "G6")}");
        var log = new RunLog("linear-regression", options.RunsFolder);
        output.WriteLine($"checkpoint: {log.SaveCheckpoint(model)}");
        log.WriteMetrics(["epoch", "loss"], losses.Select((l, i) => (IReadOnlyList<double>)[i + 1, l]));
        log.WritePlot("loss", new SvgPlot("Lecture 5: Linear(1, 1), MSE (sum), SGD", "epoch", "loss")
            .Add($"SGD lr {options.LearningRate}", Enumerable.Range(1, losses.Length).Select(e => (double)e).ToList(), losses));

        var report = new Report(output);
        report.Near("w", w, 2, 0.05);
        report.Near("b", b, 0, 0.1);
        report.Near("predict(4)", Predict(model, 4), ExpectedPrediction, 0.05);
        return report.ExitCode;
    }

    public static readonly float[] TrueW = [2f, -3.4f];
    public const float TrueB = 4.2f;

    /// <summary>d2l's <c>synthetic_data(w, b, num_examples)</c>: X ~ N(0, 1), y = Xw + b + N(0, 0.01²), seeded.</summary>
    public static (Tensor Features, Tensor Labels) SyntheticData(int count, int seed)
    {
        Tensor features = Tensor.Normal(0, 1, [count, 2], seed);
        Tensor noise = Tensor.Normal(0, 0.01, [count], seed + 1);
        Tensor labels = features.Mv(Tensor.FromArray(TrueW)) + TrueB + noise;
        return (features, labels);
    }

    private static int RunSynthetic(Options options, TextWriter output)
    {
        const int count = 1000;
        (Tensor features, Tensor labels) = SyntheticData(count, options.Seed);
        output.WriteLine($"d2l 3.2: {count} examples of y = Xw + b + noise, w = [2, -3.4], b = 4.2, noise std 0.01 (seed {options.Seed})");
        output.WriteLine($"minibatch SGD on squared_loss with the generated SyntheticModel.SquaredLossGrad: batch {options.BatchSize}, lr {options.SyntheticLearningRate}, {options.SyntheticEpochs} epochs");

        // d2l: w ~ N(0, 0.01²), b = 0.
        Tensor w = Tensor.Normal(0, 0.01, [2], options.Seed + 2);
        Tensor b = Tensor.Zeros(1);
        var loader = new DataLoader(new TensorDataset(features, labels), options.BatchSize, shuffle: true, seed: options.Seed, prefetch: false);
        var losses = new List<double>();
        for (int epoch = 1; epoch <= options.SyntheticEpochs; epoch++)
        {
            foreach (MiniBatch batch in loader)
            {
                var (_, _, _, dW, dB) = SyntheticModel.SquaredLossGrad(batch.Features, batch.Targets, w, b);
                float step = options.SyntheticLearningRate / batch.Count; // d2l's sgd: param -= lr * grad / batch_size
                w -= step * dW;
                b -= step * dB;
            }
            double loss = SyntheticModel.SquaredLoss(features, labels, w, b).Item() / count;
            losses.Add(loss);
            output.WriteLine($"epoch {epoch}, loss {Report.Number(loss, "F6")}");
        }

        float[] learned = w.ToArray();
        output.WriteLine($"learned w = [{Report.Number(learned[0])}, {Report.Number(learned[1])}], b = {Report.Number(b.Item())}");
        output.WriteLine($"error in estimating w: [{Report.Number(TrueW[0] - learned[0], "G3")}, {Report.Number(TrueW[1] - learned[1], "G3")}], b: {Report.Number(TrueB - b.Item(), "G3")}");
        double[] closed = LeastSquares(features, labels);
        output.WriteLine($"closed form w* = (XᵀX)⁻¹Xᵀy with a column of ones: w* = [{Report.Number(closed[0])}, {Report.Number(closed[1])}], b* = {Report.Number(closed[2])}");

        var log = new RunLog("linear-regression-synthetic", options.RunsFolder);
        log.WriteMetrics(["epoch", "loss"], losses.Select((l, i) => (IReadOnlyList<double>)[i + 1, l]));
        log.WritePlot("loss", new SvgPlot("d2l 3.2: linear regression from scratch", "epoch", "mean squared_loss")
            .Add("train loss", Enumerable.Range(1, losses.Count).Select(e => (double)e).ToList(), losses, markers: true));

        var report = new Report(output);
        report.Near("w[0]", learned[0], TrueW[0], 0.01);
        report.Near("w[1]", learned[1], TrueW[1], 0.01);
        report.Near("b", b.Item(), TrueB, 0.01);
        report.Near("closed-form w*[0]", closed[0], TrueW[0], 0.01);
        report.Near("closed-form w*[1]", closed[1], TrueW[1], 0.01);
        report.Near("closed-form b*", closed[2], TrueB, 0.01);
        return report.ExitCode;
    }

    /// <summary>
    /// The least-squares solution of [X 1]·θ ≈ y from the normal equations (AᵀA)θ = Aᵀy, A = [X 1], accumulated in
    /// double and solved by Gaussian elimination with partial pivoting. Returns [w…, b].
    /// </summary>
    public static double[] LeastSquares(Tensor features, Tensor labels)
    {
        int n = features.Size(0), d = features.Size(1), m = d + 1;
        float[] x = features.Data, y = labels.Data;
        var a = new double[m, m + 1]; // AᵀA | Aᵀy
        var row = new double[m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) row[j] = x[i * d + j];
            row[d] = 1;
            for (int r = 0; r < m; r++)
            {
                for (int c = 0; c < m; c++) a[r, c] += row[r] * row[c];
                a[r, m] += row[r] * y[i];
            }
        }
        for (int col = 0; col < m; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < m; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            if (Math.Abs(a[pivot, col]) < 1e-12) throw new InvalidOperationException("XᵀX is singular: the features are linearly dependent.");
            for (int c = 0; c <= m; c++) (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
            for (int r = 0; r < m; r++)
            {
                if (r == col) continue;
                double factor = a[r, col] / a[col, col];
                for (int c = col; c <= m; c++) a[r, c] -= factor * a[col, c];
            }
        }
        var theta = new double[m];
        for (int r = 0; r < m; r++) theta[r] = a[r, m] / a[r, r];
        return theta;
    }
}
