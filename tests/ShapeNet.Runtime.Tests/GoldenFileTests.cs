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
