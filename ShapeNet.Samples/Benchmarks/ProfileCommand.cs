using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Optim;

namespace ShapeNet.Samples.Benchmarks;

/// <summary>
/// <c>profile</c>: where a training step of the CNNs spends its time. The plan runs on <see cref="TimingBackend"/>, a
/// decorator over the CPU backend that times every call and files it under its kind and sizes; after a warm-up the
/// table lists milliseconds per step for each (call, geometry), heaviest first. The decorator allocates (it builds a
/// key per call), so this is a profile, not a throughput benchmark: <c>bench</c> measures steps/s.
/// </summary>
public static class ProfileCommand
{
    public static Command Command()
    {
        var model = new Option<string>("--model") { Description = "basic-cnn, inception-cnn, resnet-cnn or all.", DefaultValueFactory = _ => "all" };
        var steps = new Option<int>("--steps") { Description = "Timed steps per model.", DefaultValueFactory = _ => 30 };
        var layers = new Option<bool>("--layers") { Description = "Time each conv and pool geometry of the CNNs on the span kernels instead." };
        var command = new Command("profile", "Milliseconds per training step of each backend call of the CNN plans (batch 64).") { model, steps, layers };
        command.SetAction(result =>
        {
            if (!result.GetValue(layers)) return Run(result.GetValue(model)!, result.GetValue(steps), Console.Out);
            ConvLayerProfile.Run(Console.Out, 15 * result.GetValue(steps));
            return 0;
        });
        return command;
    }

    public static int Run(string model, int steps, TextWriter output)
    {
        var random = new Random(0);
        float[] input = new float[64 * 784], target = new float[64];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle() * 2f - 1f;
        for (int i = 0; i < target.Length; i++) target[i] = random.Next(10);
        (string Name, Func<IBackend, NetworkPlan> Create)[] models =
        [
            ("basic-cnn", b => new Cnn.BasicCnn(0).CreatePlan(64, b)),
            ("inception-cnn", b => new Cnn.InceptionCnn(0).CreatePlan(64, b)),
            ("resnet-cnn", b => new Cnn.ResNetCnn(0).CreatePlan(64, b)),
        ];
        foreach (var (name, create) in models)
        {
            if (model != "all" && model != name) continue;
            var timing = new TimingBackend(CpuBackend.Instance);
            using NetworkPlan plan = create(timing);
            plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f, momentum: 0.5f));
            for (int s = 0; s < 50; s++) plan.TrainStep(input, target, 64);
            // Best of three windows per call kind damps the noise of a shared machine.
            var best = new Dictionary<string, (double Ms, int Calls)>();
            double bestStep = double.MaxValue;
            for (int window = 0; window < 3; window++)
            {
                timing.Reset();
                long start = Stopwatch.GetTimestamp();
                for (int s = 0; s < steps; s++) plan.TrainStep(input, target, 64);
                bestStep = Math.Min(bestStep, Stopwatch.GetElapsedTime(start).TotalMilliseconds / steps);
                foreach (var (key, (ticks, calls)) in timing.Totals)
                {
                    double ms = ticks * 1e3 / Stopwatch.Frequency / steps;
                    best[key] = best.TryGetValue(key, out var old) && old.Ms <= ms ? old : (ms, calls / steps);
                }
            }
            double sum = best.Values.Sum(v => v.Ms);
            output.WriteLine($"{name}: {bestStep:F2} ms/step (best window), calls sum {sum:F2} ms");
            output.WriteLine($"  {"ms/step",8} {"%",5} {"calls",5}  call");
            foreach (var (key, (ms, calls)) in best.OrderByDescending(kv => kv.Value.Ms))
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {ms,8:F3} {100 * ms / sum,5:F1} {calls,5}  {key}"));
            output.WriteLine();
        }
        return 0;
    }
}
