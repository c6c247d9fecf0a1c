using System.Globalization;
using ShapeNet;
using ShapeNet.Checkpoints;
using ShapeNet.Data;
using ShapeNet.Optim;
using ShapeNetClassifier;

// dotnet run -- [--epochs N] [--batch N] [--lr X] [--checkpoint PATH] [--fresh]
// Trains the classifier, prints test accuracy after every epoch and saves a checkpoint (model and optimizer) after
// each one; a later run resumes from it unless --fresh is given.
int epochs = IntOption("--epochs", 30);
int batchSize = IntOption("--batch", 32);
float learningRate = (float)DoubleOption("--lr", 0.05);
string checkpoint = Option("--checkpoint") ?? Path.Combine("checkpoints", "classifier.safetensors");
bool fresh = args.Contains("--fresh");

TensorDataset train = SpiralData.Generate(perClass: 200, seed: 1);
TensorDataset test = SpiralData.Generate(perClass: 50, seed: 2);

var model = new Classifier(seed: 0);
Console.WriteLine(Classifier.Summary);

using Classifier.Plan plan = model.CreatePlan(batchSize);
var optimizer = new Sgd(learningRate, momentum: 0.9f);
plan.Configure(Loss.CrossEntropy(), optimizer);

int firstEpoch = 1;
if (!fresh && File.Exists(checkpoint))
{
    Checkpoint.Load(checkpoint, model, optimizer);   // strict: a file of another network is an error naming each tensor
    SafeTensors.ReadHeader(checkpoint, out IReadOnlyDictionary<string, string> metadata);
    if (metadata.TryGetValue("epoch", out string? done)) firstEpoch = int.Parse(done, CultureInfo.InvariantCulture) + 1;
    Console.WriteLine($"Resumed from {checkpoint} after epoch {firstEpoch - 1}.");
}

var loader = new DataLoader(train, batchSize, shuffle: true, seed: 0) { Epoch = firstEpoch - 1 };
loader.EnsureFeatureShape<Features>();   // the data must fit the network's input, checked before any step

for (int epoch = firstEpoch; epoch <= epochs; epoch++)
{
    var progress = new ProgressBar(epoch, epochs, loader.BatchesPerEpoch);
    int step = 0;
    foreach (MiniBatch batch in loader)
    {
        plan.TrainStep(batch.Features.Data.AsSpan(0, batch.Count * 2), batch.Targets.Data.AsSpan(0, batch.Count), batch.Count);
        // The plan sums the loss on the device; reading it waits for the device, so the bar reads it every 10 steps only.
        if (++step % 10 == 0) progress.Report(step, plan.ReadAverageLoss(reset: false));
    }

    double epochLoss = plan.ReadAverageLoss();   // the epoch's mean loss over its samples; starts the next epoch's sum
    double accuracy = Accuracy(plan, test, batchSize);
    progress.Finish(epochLoss, FormattableString.Invariant($"test accuracy {accuracy:P1}"));

    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!);
    Checkpoint.Save(checkpoint, model, optimizer, new Dictionary<string, string> { ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture) });
}
Console.WriteLine($"Checkpoint: {checkpoint}");

// The share of test points whose largest logit is their class (the plan's inference forward, batch by batch).
static double Accuracy(Classifier.Plan plan, TensorDataset data, int batchSize)
{
    var logits = new float[batchSize * SpiralData.ClassCount];
    float[] features = data.Features.Data, labels = data.Targets.Data;
    int correct = 0;
    for (int start = 0; start < data.Count; start += batchSize)
    {
        int n = Math.Min(batchSize, data.Count - start);
        plan.Forward(features.AsSpan(start * 2, n * 2), logits.AsSpan(0, n * SpiralData.ClassCount), n);
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int c = 1; c < SpiralData.ClassCount; c++)
                if (logits[i * SpiralData.ClassCount + c] > logits[i * SpiralData.ClassCount + best]) best = c;
            if (best == (int)labels[start + i]) correct++;
        }
    }
    return (double)correct / data.Count;
}

string? Option(string name)
{
    int i = Array.IndexOf(args, name);
    if (i < 0) return null;
    if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.");
    return args[i + 1];
}

int IntOption(string name, int fallback) =>
    Option(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

double DoubleOption(string name, double fallback) =>
    Option(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
