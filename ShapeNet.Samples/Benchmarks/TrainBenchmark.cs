using System.Diagnostics;
using ShapeNet.Backends;
using ShapeNet.Optim;
using ShapeNet.Samples.Mnist;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>A seed model set up as torch_baseline.py sets it up: same shapes, loss, optimizer and random data.</summary>
/// <param name="Step">For a network with integer inputs: uploads its batch and runs the step (<see cref="Input"/> and
/// <see cref="Target"/> are then unused); null runs <c>TrainStep(Input, Target, Batch)</c>.</param>
public sealed record TrainCase(string Name, int Batch, int StepsPerWindow, Func<NetworkPlan> CreatePlan, float[] Input, float[] Target,
    Action<NetworkPlan>? Step = null)
{
    /// <summary>For a network with integer inputs: the ids its <see cref="Step"/> uploads ([Seq, Batch] for the GRU classifier),
    /// so another framework can run the same batch.</summary>
    public int[] Ids { get; init; } = [];

    /// <summary>For a network with integer inputs: the class indices its <see cref="Step"/> uploads.</summary>
    public int[] Classes { get; init; } = [];
}

/// <summary>The measured training throughput of one <see cref="TrainCase"/>.</summary>
public sealed record TrainResult(string Name, int Batch, double MicrosecondsPerStep, long AllocatedBytesPerWindow)
{
    public double StepsPerSecond => 1e6 / MicrosecondsPerStep;
}

/// <summary>
/// Training-step throughput of the generated plans: warm-up (tier-up of the JIT, worker threads, packing buffers),
/// then the best of several timed windows, each <see cref="TrainCase.StepsPerWindow"/> steps of
/// <see cref="NetworkPlan.TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> on one fixed batch.
/// </summary>
public static class TrainBenchmark
{
    /// <summary>The seed models that exist in the DSL today, with torch_baseline.py's shapes and step counts
    /// (<paramref name="steps"/> for the MLP and the basic CNN, ten times as many for the tiny models, a quarter for the
    /// lecture-11 CNNs), on <paramref name="backend"/> (the CPU when null).</summary>
    public static IReadOnlyList<TrainCase> SeedCases(int steps, IBackend? backend = null)
    {
        var random = new Random(0);
        return
        [
            new TrainCase("linear-regression", 10, steps * 10, () =>
            {
                var plan = new LinearRegression(0).CreatePlan(10, backend);
                plan.Configure(Loss.Mse(), new Sgd(0.03f, momentum: 0.5f));
                return plan;
            }, Normal(random, 10 * 2), Normal(random, 10)),
            new TrainCase("logistic-8", 32, steps * 10, () =>
            {
                var plan = new Logistic8(0).CreatePlan(32, backend);
                plan.Configure(Loss.Bce(), new Sgd(0.01f, momentum: 0.5f));
                return plan;
            }, Normal(random, 32 * 8), Labels(random, 32, 2)),
            new TrainCase("mnist-mlp", 64, steps, () =>
            {
                var plan = new MnistMlp(0).CreatePlan(64, backend);
                plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.5f));
                return plan;
            }, Normal(random, 64 * 784), Labels(random, 64, 10)),
            Cnn("basic-cnn", steps, random, () => new Cnn.BasicCnn(0).CreatePlan(64, backend)),
            Cnn("inception-cnn", Math.Max(1, steps / 4), random, () => new Cnn.InceptionCnn(0).CreatePlan(64, backend)),
            Cnn("resnet-cnn", Math.Max(1, steps / 4), random, () => new Cnn.ResNetCnn(0).CreatePlan(64, backend)),
            .. (backend is null ? new[] { GruClassifierCase(Math.Max(1, steps / 4), random) } : []),
        ];
    }

    /// <summary>A CNN of the curriculum as torch_baseline.py times it: batch 64 of 1×28×28 normal noise, random labels,
    /// cross-entropy, SGD lr 0.01 momentum 0.5.</summary>
    private static TrainCase Cnn(string name, int steps, Random random, Func<NetworkPlan> create)
    {
        return new TrainCase(name, 64, steps, () =>
        {
            NetworkPlan plan = create();
            plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.5f));
            return plan;
        }, Normal(random, 64 * 784), Labels(random, 64, 10));
    }

    /// <summary>Lecture 13's classifier as torch_baseline.py times it: ids [12, 64] uniform in [0, 128), 18 random classes, every
    /// sequence full length (no packing), cross-entropy with integer labels, SGD lr 0.01 momentum 0.5.</summary>
    private static TrainCase GruClassifierCase(int steps, Random random)
    {
        const int batch = 64;
        int[] ids = Enumerable.Range(0, 12 * batch).Select(_ => random.Next(128)).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(18)).ToArray();
        return new TrainCase("gru-classifier", batch, steps, () =>
        {
            var plan = new GruClassifier(0).CreatePlan(batch);
            plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.5f));
            return plan;
        }, [], [], plan =>
        {
            plan.SetBatch(batch);
            plan.UploadInput(0, ids);
            plan.UploadTarget(labels);
            plan.TrainStepOnUploaded();
        }) { Ids = ids, Classes = labels };
    }

    /// <summary>Warms up for at least <paramref name="warmup"/>, then returns the fastest of <paramref name="windows"/> windows.</summary>
    public static TrainResult Measure(TrainCase c, int windows, TimeSpan warmup)
    {
        using NetworkPlan plan = c.CreatePlan();
        var clock = Stopwatch.StartNew();
        int warmupSteps = 0;
        while (clock.Elapsed < warmup || warmupSteps < 200)
        {
            Step(c, plan);
            warmupSteps++;
        }
        if (!float.IsFinite(plan.Loss)) throw new InvalidOperationException($"{c.Name}: the loss is not finite after warm-up.");

        double best = double.MaxValue;
        long allocated = long.MaxValue;
        for (int w = 0; w < windows; w++)
        {
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            for (int s = 0; s < c.StepsPerWindow; s++) Step(c, plan);
            plan.Backend.Synchronize(); // a device queues the steps: the window ends when they are done (a no-op on the CPU)
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - bytes);
            best = Math.Min(best, seconds / c.StepsPerWindow);
        }
        return new TrainResult(c.Name, c.Batch, best * 1e6, allocated);
    }

    private static void Step(TrainCase c, NetworkPlan plan)
    {
        if (c.Step is { } step) step(plan);
        else plan.TrainStep(c.Input, c.Target, c.Batch);
    }

    private static float[] Normal(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return values;
    }

    private static float[] Labels(Random random, int count, int classes)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.Next(classes);
        return values;
    }
}
