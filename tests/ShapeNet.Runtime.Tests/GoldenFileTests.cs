using System.IO.Compression;
using System.Text;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests;

/// <summary>The committed PyTorch golden files load with the expected names and shapes, and the reader rejects
/// malformed files with the file name and offset. No backend involved.</summary>
public class GoldenFileTests
{
    [Fact]
    public void Mnist_mlp_file_has_every_parameter_gradient_and_activation()
    {
        var golden = GoldenFile.Load(GoldenFile.PathOf("mnist_mlp.sntensors.gz"));
        (string Name, int[] Shape)[] expected =
        [
            ("fc1.weight", [512, 784]), ("fc1.bias", [512]), ("fc2.weight", [256, 512]), ("fc2.bias", [256]),
            ("fc3.weight", [128, 256]), ("fc3.bias", [128]), ("fc4.weight", [64, 128]), ("fc4.bias", [64]),
            ("fc5.weight", [10, 64]), ("fc5.bias", [10]),
            ("x", [8, 784]), ("labels", [8]), ("logits", [8, 10]), ("loss", []), ("grad.x", [8, 784]),
        ];
        foreach (var (name, shape) in expected)
        {
            Assert.True(golden.ContainsKey(name), $"missing {name}");
            Assert.Equal(shape, golden[name].Shape);
            if (name.StartsWith("fc", StringComparison.Ordinal))
                Assert.Equal(shape, golden["grad." + name].Shape);
        }
        Assert.Equal(expected.Length + 10, golden.Count);

        // Labels are class indices stored as floats; a 10-class cross-entropy of an untrained net is near ln 10.
        Assert.All(golden["labels"].Data, l => Assert.True(l >= 0 && l <= 9 && l == MathF.Floor(l), $"label {l}"));
        Assert.InRange(golden["loss"].Data[0], 2.0f, 2.6f);
    }

    [Fact]
    public void Autograd_file_holds_the_curriculum_examples()
    {
        // Exact small integers; tolerance 0.
        var golden = GoldenFile.Load(GoldenFile.PathOf("autograd.sntensors"));
        Numerics.AssertClose([0f, 1f, 2f, 3f], golden["x"].Data, 0, 0, "x", 4);
        Numerics.AssertClose([28f], golden["dot.y"].Data, 0, 0, "2·dot(x,x)");
        Assert.Empty(golden["dot.y"].Shape);
        Numerics.AssertClose([0f, 4f, 8f, 12f], golden["dot.grad"].Data, 0, 0, "d(2·dot(x,x))/dx", 4);
        Numerics.AssertClose([1f, 1f, 1f, 1f], golden["sum.grad"].Data, 0, 0, "d sum(x)/dx", 4);
        Numerics.AssertClose([0f, 2f, 4f, 6f], golden["sum_sq.grad"].Data, 0, 0, "d sum(x*x)/dx", 4);
        Numerics.AssertClose(golden["detach.u"].Data, golden["detach.grad"].Data, 0, 0, "d sum(detach(x*x)*x)/dx = u", 4);
    }

    [Fact]
    public void Optimizer_file_has_five_steps_for_every_config()
    {
        var golden = GoldenFile.Load(GoldenFile.PathOf("optimizers.sntensors"));
        Assert.Equal([2, 3], golden["initial"].Shape);
        Assert.Equal([5, 2, 3], golden["grads"].Shape);
        foreach (string config in OptimizerConfigs)
            for (int step = 1; step <= 5; step++)
                Assert.Equal([2, 3], golden[$"{config}.step{step}"].Shape);
    }

    private static readonly string[] OptimizerConfigs =
    [
        "sgd", "sgd_momentum", "sgd_nesterov", "sgd_maximize", "adam", "adam_amsgrad", "adam_maximize", "adamw",
        "adagrad", "rmsprop", "rmsprop_centered",
    ];

    [Fact]
    public void Round_trip_of_a_hand_written_file_plain_and_gzipped()
    {
        byte[] bytes = Build(("a", [2, 1], [1.5f, -2f]), ("s", [], [3f]));
        string dir = Directory.CreateTempSubdirectory("sntensors").FullName;
        try
        {
            string plain = Path.Combine(dir, "t.sntensors");
            File.WriteAllBytes(plain, bytes);
            string gz = Path.Combine(dir, "t.sntensors.gz");
            using (var f = File.Create(gz))
            using (var z = new GZipStream(f, CompressionLevel.Fastest))
                z.Write(bytes);
            foreach (string path in new[] { plain, gz })
            {
                var t = GoldenFile.Load(path);
                Assert.Equal(["a", "s"], t.Keys.ToArray());
                Assert.Equal([2, 1], t["a"].Shape);
                Assert.Equal([1.5f, -2f], t["a"].Data);
                Assert.Empty(t["s"].Shape);
                Assert.Equal([3f], t["s"].Data);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Malformed_files_name_the_file_and_the_offset()
    {
        byte[] good = Build(("weights", [2, 2], [1f, 2f, 3f, 4f]));

        var bad = (byte[])good.Clone();
        bad[0] = (byte)'X';
        AssertMalformed(bad, "at byte offset 0", "bad magic");

        // Truncated data: 16 bytes needed after the header (4 magic + 4 count + 4 + 7 name + 4 rank + 8 dims = 31).
        AssertMalformed(good[..^4], "at byte offset 31", "'weights' [2, 2] needs 16 bytes of data, but only 12 remain");

        AssertMalformed([.. good, 0], "at byte offset 47", "1 unexpected bytes after the last of 1 tensors");

        bad = (byte[])good.Clone();
        BitConverter.TryWriteBytes(bad.AsSpan(19), 9); // rank
        AssertMalformed(bad, "at byte offset 19", "'weights' has rank 9");

        AssertMalformed(Build(("w", [1], [0f]), ("w", [1], [0f])), "at byte offset 25", "duplicate tensor name 'w'");
    }

    private static void AssertMalformed(byte[] bytes, params string[] fragments)
    {
        var e = Assert.Throws<InvalidDataException>(() => GoldenFile.Parse(bytes, "broken.sntensors"));
        Assert.StartsWith("broken.sntensors: malformed .sntensors", e.Message);
        foreach (string fragment in fragments) Assert.Contains(fragment, e.Message);
    }

    private static byte[] Build(params (string Name, int[] Shape, float[] Data)[] tensors)
    {
        var stream = new MemoryStream();
        var w = new BinaryWriter(stream); // BinaryWriter is little-endian on every platform
        w.Write("SNT1"u8);
        w.Write(tensors.Length);
        foreach (var (name, shape, data) in tensors)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(name);
            w.Write(utf8.Length);
            w.Write(utf8);
            w.Write(shape.Length);
            foreach (int d in shape) w.Write(d);
            foreach (float v in data) w.Write(v);
        }
        w.Flush();
        return stream.ToArray();
    }
}

/// <summary>
/// The MLP golden file is self-consistent under PyTorch's layouts (Linear.weight [out, in], y = x·Wᵀ + b): a plain
/// float64 forward from the stored weights reproduces the stored logits and loss, and the last layer's gradients
/// follow from softmax − one-hot. Guards against a layout or naming slip before generated code is tested against it.
/// </summary>
public class MnistMlpGoldenConsistencyTests
{
    [Fact]
    public void Float64_forward_from_the_stored_weights_reproduces_logits_loss_and_last_layer_gradients()
    {
        var g = GoldenFile.Load(GoldenFile.PathOf("mnist_mlp.sntensors.gz"));
        const int rows = 8;
        double[] h = Array.ConvertAll(g["x"].Data, v => (double)v);
        int width = 784;
        double[] h4 = [];
        for (int layer = 1; layer <= 5; layer++)
        {
            var (wShape, w) = g[$"fc{layer}.weight"];
            float[] b = g[$"fc{layer}.bias"].Data;
            int outF = wShape[0];
            Assert.Equal(width, wShape[1]);
            var y = new double[rows * outF];
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < outF; o++)
                {
                    double s = b[o];
                    for (int i = 0; i < width; i++) s += h[r * width + i] * w[o * width + i];
                    y[r * outF + o] = layer < 5 ? Math.Max(0, s) : s;
                }
            if (layer == 5) h4 = h;
            h = y;
            width = outF;
        }
        // Float32 accumulation over 784 terms in PyTorch against float64 here: rtol 1e-4, atol 1e-5.
        Numerics.AssertClose(h, g["logits"].Data, 1e-4, 1e-5, "logits recomputed in float64", rows, 10);

        float[] labels = g["labels"].Data;
        var dLogits = new double[rows * 10];
        double loss = 0;
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < 10; c++) max = Math.Max(max, h[r * 10 + c]);
            double z = 0;
            for (int c = 0; c < 10; c++) z += Math.Exp(h[r * 10 + c] - max);
            int label = (int)labels[r];
            loss += -(h[r * 10 + label] - max - Math.Log(z)) / rows;
            for (int c = 0; c < 10; c++)
                dLogits[r * 10 + c] = (Math.Exp(h[r * 10 + c] - max) / z - (c == label ? 1 : 0)) / rows;
        }
        Numerics.AssertClose([loss], g["loss"].Data, 1e-5, 1e-6, "cross-entropy loss (mean)");

        var dBias = new double[10];
        var dWeight = new double[10 * 64];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < 10; c++)
            {
                dBias[c] += dLogits[r * 10 + c];
                for (int i = 0; i < 64; i++) dWeight[c * 64 + i] += dLogits[r * 10 + c] * h4[r * 64 + i];
            }
        Numerics.AssertClose(dBias, g["grad.fc5.bias"].Data, 1e-4, 1e-6, "grad.fc5.bias = Σ_rows (softmax − onehot)/8", 10);
        Numerics.AssertClose(dWeight, g["grad.fc5.weight"].Data, 1e-4, 1e-6, "grad.fc5.weight = dlogitsᵀ·h4", 10, 64);
    }
}
