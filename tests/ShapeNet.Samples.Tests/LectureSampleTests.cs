using System.Globalization;
using System.Xml.Linq;
using ShapeNet.Samples.Autograd;
using ShapeNet.Samples.GradientDescent;
using ShapeNet.Samples.LinearModelSearch;
using ShapeNet.Samples.LinearRegression;
using ShapeNet.Samples.LogisticRegression;
using ShapeNet.Samples.Optimizers;
using ShapeNet.Samples.Quadratic;

namespace ShapeNet.Samples.Tests;

/// <summary>Each sample runs (in a fast mode where it has one) and must print and meet its expected figure, exit 0,
/// and leave metrics.csv and its plots.</summary>
public sealed class LectureSampleTests : IDisposable
{
    private readonly SampleRun _run = new();

    public void Dispose() => _run.Dispose();

    [Fact]
    public void Linear_model_finds_the_minimum_mse_at_w_2()
    {
        Assert.Equal(0, _run.Run(o => LinearModelSample.Run(new(_run.RunsFolder), o)));
        Assert.Contains("argmin MSE w = 2.0 (expected ≈ 2", _run.Output);
        Assert.Contains("w = 0.0  MSE = 18.6667", _run.Output); // mean((0 - y)²) = (4 + 16 + 36) / 3
        string[] csv = File.ReadAllLines(_run.File("linear-model", "metrics.csv"));
        Assert.Equal("w,mse", csv[0]);
        Assert.Equal(42, csv.Length);
        XDocument.Parse(File.ReadAllText(_run.File("linear-model", "mse.svg")));
    }

    [Fact]
    public void Gradient_descent_checks_the_lectures_figures()
    {
        Assert.Equal(0, _run.Run(o => GradientDescentSample.Run(new(RunsFolder: _run.RunsFolder), o)));
        Assert.Contains("lr 1.0: w after one epoch = 10.3333 (expected ≈ 10.3333", _run.Output);
        Assert.Contains("lr 0.1: first epoch with |w - 2| < 0.0001 = 4 (expected ≤ 14)", _run.Output);
        Assert.Contains("lr 0.1: first epoch with w = 2.0 exactly in float64 = 14 (expected 14", _run.Output);
        Assert.Contains("lr 1.0: first epoch with |w - 2| > 1e6 = 7 ", _run.Output);
        Assert.Contains("lr 0.01: predict(4) = 7.9998 (expected ≈ 8", _run.Output);
        Assert.Equal(101, File.ReadAllLines(_run.File("gradient-descent", "metrics.csv")).Length);
        _run.File("gradient-descent", "loss.svg");
    }

    [Fact]
    public void Gradient_by_hand_matches_the_formula()
    {
        // d/dw mean((x·w − y)²) = (28/3)(w − 2) on this data.
        Assert.Equal(28.0 / 3 * (1.0 - 2), GradientDescentSample.Gradient(1.0), 4);
        Assert.Equal(28.0 / 3 * (3.5 - 2), GradientDescentSample.Gradient(3.5), 4);
        Assert.Equal(14.0 / 3, GradientDescentSample.Cost(1.0), 4);
    }

    [Fact]
    public void Stochastic_gradient_descent_predicts_8()
    {
        Assert.Equal(0, _run.Run(o => GradientDescentSample.Run(new(Epochs: 30, Stochastic: true, RunsFolder: _run.RunsFolder), o)));
        Assert.Matches(@"predict\(4\) = (7\.99\d\d|8\.00\d\d) \(expected ≈ 8", _run.Output);
    }

    [Fact]
    public void Quadratic_loss_falls_with_the_generated_gradient()
    {
        Assert.Equal(0, _run.Run(o => QuadraticSample.Run(new(Epochs: 30, RunsFolder: _run.RunsFolder), o)));
        Assert.Contains("last / first epoch loss = ", _run.Output);
        _run.File("quadratic", "loss.svg");
    }

    [Fact]
    public void Quadratic_generated_gradient_matches_the_hand_derived_one()
    {
        // loss = (w1·x² + w2·x + b − y)²; d/dw1 = 2r·x², d/dw2 = 2r·x, d/db = 2r.
        float x = 3, y = 6, w1 = 0.5f, w2 = -1, b = 2;
        float r = w1 * x * x + w2 * x + b - y;
        var (loss, _, _, dW1, dW2, dB) = QuadraticModel.LossGrad(Tensor.FromArray([x]), Tensor.FromArray([y]),
            Tensor.FromArray([w1]), Tensor.FromArray([w2]), Tensor.FromArray([b]));
        Assert.Equal(r * r, loss.Item(), 4);
        Assert.Equal(2 * r * x * x, dW1.Data[0], 4);
        Assert.Equal(2 * r * x, dW2.Data[0], 4);
        Assert.Equal(2 * r, dB.Data[0], 4);
    }

    [Fact]
    public void Linear_regression_learns_w_2_b_0()
    {
        Assert.Equal(0, _run.Run(o => LinearRegressionSample.Run(new(RunsFolder: _run.RunsFolder), o)));
        Assert.Contains("predict(4) = 7.99", _run.Output);
        Assert.Contains("(expected ≈ 8, within 0.05)", _run.Output);
        Assert.Equal(1001, File.ReadAllLines(_run.File("linear-regression", "metrics.csv")).Length);
    }

    [Fact]
    public void Synthetic_linear_regression_recovers_w_and_b()
    {
        Assert.Equal(0, _run.Run(o => LinearRegressionSample.Run(new(Synthetic: true, RunsFolder: _run.RunsFolder), o)));
        Assert.Contains("closed form w* = (XᵀX)⁻¹Xᵀy", _run.Output);
        Assert.DoesNotContain("MISSED", _run.Output);
    }

    [Fact]
    public void Least_squares_solves_an_exact_system()
    {
        // y = 1·x0 − 2·x1 + 3 exactly.
        var features = Tensor.FromArray([1f, 0, 0, 1, 1, 1, 2, 5], 4, 2);
        var labels = Tensor.FromArray([4f, 1, 2, -5]);
        double[] theta = LinearRegressionSample.LeastSquares(features, labels);
        Assert.Equal(1, theta[0], 4);
        Assert.Equal(-2, theta[1], 4);
        Assert.Equal(3, theta[2], 4);
    }

    [Fact]
    public void Optimizers_all_predict_8()
    {
        Assert.Equal(0, _run.Run(o => OptimizersSample.Run(new(RunsFolder: _run.RunsFolder), o)));
        foreach (var (name, _) in OptimizersSample.Candidates) Assert.Contains(name + ": predict(4) = ", _run.Output);
        Assert.Equal("epoch,loss_sgd,loss_adam,loss_adagrad,loss_rmsprop", File.ReadAllLines(_run.File("optimizers", "metrics.csv"))[0]);
    }

    [Fact]
    public void Logistic_regression_crosses_one_half_near_2_5_hours()
    {
        Assert.Equal(0, _run.Run(o => LogisticRegressionSample.Run(new(RunsFolder: _run.RunsFolder), o)));
        Assert.Contains("P(pass) = 0.5 at hours = 2.4", _run.Output);
        Assert.Contains("P(pass | 10 h) = ", _run.Output);
        string svg = File.ReadAllText(_run.File("logistic-regression", "p_pass.svg"));
        XDocument.Parse(svg);
        Assert.Contains("P(pass)", svg);
        Assert.Equal(202, File.ReadAllLines(_run.File("logistic-regression", "p_pass.csv")).Length);
    }

    [Fact]
    public void Autograd_gradients_are_the_books()
    {
        Assert.Equal(0, _run.Run(o => AutogradSample.Run(new(), o)));
        Assert.Contains("dy/dx = [0, 4, 8, 12] (expected 4x", _run.Output);
        Assert.Contains("dy/dx = [1, 1, 1, 1] (expected ones", _run.Output);
        Assert.Contains("dy/dx = [0, 2, 4, 6] (expected 2x", _run.Output);
        Assert.Contains("dy/dx = [0, 1, 4, 9] (expected u", _run.Output);
        Assert.Contains(AutogradSample.RejectedDiagnostic, _run.Output);
    }

    [Fact]
    public void Metrics_are_written_with_invariant_numbers()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var log = new Common.RunLog("culture", _run.RunsFolder);
            log.WriteMetrics(["epoch", "loss"], [[1, 0.5], [2, 0.25]]);
            Assert.Equal(["epoch,loss", "1,0.5", "2,0.25"], File.ReadAllLines(_run.File("culture", "metrics.csv")));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
