using System.CommandLine;
using System.Diagnostics;
using ShapeNet.Data;
using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Softmax;

/// <summary>
/// *Dive into Deep Learning* §3.6, softmax regression from scratch on Fashion-MNIST: <c>W ~ N(0, 0.01²)</c> <c>[784, 10]</c> and
/// <c>b = 0</c> as plain tensors, <see cref="SoftmaxScratch"/>'s hand-written softmax, cross-entropy and accuracy, the
/// gradient from the generated <c>SoftmaxScratch.LossGrad</c>, and the book's minibatch SGD updater
/// (<c>param -= lr * param.grad / batch_size</c>); lr 0.1, batch 256, 10 epochs.
/// </summary>
public static class SoftmaxScratchSample
{
    public const string Name = "softmax-scratch";

    public static Command Command() =>
        SoftmaxTraining.Command(Name, "d2l 3.6: softmax regression from scratch on Fashion-MNIST (plain tensors, a [Differentiable] loss).", Run);

    public static int Run(SoftmaxTraining.Options options, TextWriter output)
    {
        PrintBookExamples(output);
        (TensorDataset train, TensorDataset test) = SoftmaxTraining.LoadData(options, output);

        // d2l: W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True); b = torch.zeros(num_outputs, ...)
        Tensor W = Tensor.Normal(new TensorRandom(options.Seed), 0, 0.01, 784, 10);
        Tensor b = Tensor.Zeros(10);
        SoftmaxTraining.Predict net = X => SoftmaxScratch.Net(X, W, b);
        output.WriteLine($"evaluate_accuracy(net, test_iter) before training = {Report.Number(SoftmaxTraining.EvaluateAccuracy(net, test, options.BatchSize))} (about 0.1: chance)");

        var loader = new DataLoader(train, options.BatchSize, shuffle: true, seed: options.Seed);
        var clock = Stopwatch.StartNew();
        List<SoftmaxTraining.EpochMetrics> history = SoftmaxTraining.TrainCh3(Name, loader, test, options.Epochs,
            batch => TrainBatch(W, b, batch, options.LearningRate), net, output);
        return SoftmaxTraining.Finish(Name, "d2l 3.6: softmax regression from scratch", history, net, test, clock.Elapsed.TotalSeconds, options, output);
    }

    /// <summary>
    /// One step of d2l's <c>train_epoch_ch3</c> with the hand-written updater: <c>y_hat = net(X)</c>, the summed cross-entropy and
    /// its gradient from <c>LossGrad</c> (<c>l.sum().backward()</c>), then <see cref="Sgd"/> on <paramref name="W"/> and
    /// <paramref name="b"/> in place. Returns the summed loss and the correct predictions of <c>y_hat</c>.
    /// </summary>
    public static (double LossSum, int Correct) TrainBatch(Tensor W, Tensor b, MiniBatch batch, float learningRate)
    {
        Tensor X = batch.Features, y = batch.Targets;
        Tensor yHat = SoftmaxScratch.Net(X, W, b);
        var (loss, _, _, dW, dB) = SoftmaxScratch.LossGrad(X, y, W, b);
        Sgd(W, dW, learningRate, batch.Count);
        Sgd(b, dB, learningRate, batch.Count);
        return (loss.Item(), SoftmaxScratch.Accuracy(yHat, y));
    }

    /// <summary>d2l's <c>sgd(params, lr, batch_size)</c> for one parameter: <c>param -= lr * param.grad / batch_size</c>, in place.</summary>
    public static void Sgd(Tensor param, Tensor grad, float learningRate, int batchSize) => param -= learningRate * grad / batchSize;

    /// <summary>The small examples the section works through before training, with the book's inputs.</summary>
    private static void PrintBookExamples(TextWriter output)
    {
        Tensor X = Tensor.FromArray(new float[][] { [1, 2, 3], [4, 5, 6] });
        output.WriteLine($"X.sum(0, keepdim=True) = {X.Sum(0, keepDim: true)}");
        output.WriteLine($"X.sum(1, keepdim=True) = {X.Sum(1, keepDim: true)}");
        Tensor XProb = SoftmaxScratch.Softmax(Tensor.Normal(0, 1, [2, 5], seed: 0));
        output.WriteLine($"softmax(torch.normal(0, 1, (2, 5))) = {XProb}, row sums {XProb.Sum(1)}");
        Tensor y = Tensor.FromArray([0f, 2f]);
        Tensor yHat = Tensor.FromArray(new float[][] { [0.1f, 0.3f, 0.6f], [0.3f, 0.2f, 0.5f] });
        output.WriteLine($"cross_entropy(y_hat, y) = {SoftmaxScratch.CrossEntropy(yHat, y)} for y = {y}, y_hat = {yHat}");
        output.WriteLine($"accuracy(y_hat, y) / len(y) = {Report.Number(SoftmaxScratch.Accuracy(yHat, y) / 2.0, "0.0###")}");
    }
}
