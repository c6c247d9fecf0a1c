using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>Gpu/Elementwise.cs against Cpu/Elementwise.cs on ILGPU's CPU accelerator. Tolerance: 1e-5 relative + 1e-6
/// absolute (the CPU uses TensorPrimitives' vectorised exp/log/tanh, the device MathF and DeviceMath).</summary>
[Collection(GpuCollection.Name)]
public sealed class ElementwiseTests(GpuFixture gpu)
{
    public static TheoryData<UnaryOp> UnaryOps() => new(Enum.GetValues<UnaryOp>());

    private static float[] Input(UnaryOp op, int n)
        => op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Pow or UnaryOp.RDivScalar ? Parity.Random(n, 11, 0.1f, 3f) : Parity.Random(n, 11, -4f, 4f);

    /// <summary>The op's two constants: an exponent, a scalar, LeakyRelu's slope, Elu's α, Softplus's β and threshold (β·x
    /// crosses it inside the input range), Hardtanh's bounds.</summary>
    private static (float Parameter, float Parameter2) Constants(UnaryOp op) => op switch
    {
        UnaryOp.Pow => (2.5f, 0f),
        UnaryOp.LeakyRelu => (0.1f, 0f),
        UnaryOp.Elu => (1.5f, 0f),
        UnaryOp.Softplus => (2f, 3f),
        UnaryOp.Hardtanh => (-0.5f, 1.5f),
        _ => (1.75f, 0f),
    };

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_forward_and_backward_match_the_cpu(UnaryOp op)
    {
        const int n = 301;
        (float parameter, float parameter2) = Constants(op);
        float[] x = Input(op, n), dy = Parity.Random(n, 12), old = Parity.Random(n, 13);
        var y = new float[n];
        CpuElementwise.Unary_Forward(op, parameter, y, x, parameter2);
        using var dx_ = gpu.Upload(new float[n]);
        using var x_ = gpu.Upload(x);
        using var y_ = gpu.Upload(new float[n]);
        gpu.Kernels.Elementwise.Unary_Forward(op, parameter, y_.View, x_.View, n, parameter2);
        Parity.Close(y, gpu.Download(y_, n), $"Unary {op} forward [{n}]");

        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = (float[])old.Clone();
            CpuElementwise.Unary_Backward(op, parameter, dx, dy, x, y, accumulate, parameter2);
            using var dxDevice = gpu.Upload(old);
            using var dyDevice = gpu.Upload(dy);
            using var yDevice = gpu.Upload(y);
            gpu.Kernels.Elementwise.Unary_Backward(op, parameter, dxDevice.View, dyDevice.View, x_.View, yDevice.View, n, accumulate, parameter2);
            Parity.Close(dx, gpu.Download(dxDevice, n), $"Unary {op} backward [{n}] accumulate={accumulate}");
        }
    }

    /// <summary>The activations where they overflow, cancel or switch branch (as in the CPU suite): the device agrees with
    /// the CPU kernels to 1e-5 relative + 1e-6 absolute, values and derivatives.</summary>
    [Fact]
    public void Activations_match_the_cpu_at_extremes_and_kinks()
    {
        float[] x = [-1e6f, -100f, -30f, -6f, -1.5f, -0.5f, -1e-3f, -1e-20f, 0f, 1e-20f, 1e-3f, 0.3f, 1.5f, 3f, 6f, 30f, 100f, 1e6f];
        float[] ones = Enumerable.Repeat(1f, x.Length).ToArray();
        foreach (UnaryOp op in Enum.GetValues<UnaryOp>().Where(o => o >= UnaryOp.LeakyRelu))
        {
            (float parameter, float parameter2) = Constants(op);
            var y = new float[x.Length];
            var dx = new float[x.Length];
            CpuElementwise.Unary_Forward(op, parameter, y, x, parameter2);
            CpuElementwise.Unary_Backward(op, parameter, dx, ones, x, y, accumulate: false, parameter2);
            using var xDevice = gpu.Upload(x);
            using var yDevice = gpu.Upload(new float[x.Length]);
            using var dyDevice = gpu.Upload(ones);
            using var dxDevice = gpu.Upload(new float[x.Length]);
            gpu.Kernels.Elementwise.Unary_Forward(op, parameter, yDevice.View, xDevice.View, x.Length, parameter2);
            gpu.Kernels.Elementwise.Unary_Backward(op, parameter, dxDevice.View, dyDevice.View, xDevice.View, yDevice.View, x.Length, false, parameter2);
            Parity.Close(y, gpu.Download(yDevice, x.Length), $"{op} at extremes");
            Parity.Close(dx, gpu.Download(dxDevice, x.Length), $"{op} derivative at extremes");
        }
    }

    [Fact]
    public void Tanh_and_sigmoid_stay_finite_for_large_inputs()
    {
        // ILGPU.Algorithms' tanh is (e^{2x} − 1)/(e^{2x} + 1), NaN above ~44; DeviceMath's is not.
        float[] x = [-1000f, -90f, -44.5f, 0f, 44.5f, 90f, 1000f];
        foreach (UnaryOp op in new[] { UnaryOp.Tanh, UnaryOp.Sigmoid })
        {
            var y = new float[x.Length];
            CpuElementwise.Unary_Forward(op, 0f, y, x);
            using var xDevice = gpu.Upload(x);
            using var yDevice = gpu.Upload(new float[x.Length]);
            gpu.Kernels.Elementwise.Unary_Forward(op, 0f, yDevice.View, xDevice.View, x.Length);
            Parity.Close(y, gpu.Download(yDevice, x.Length), $"{op} of large inputs", 1e-6f, 1e-7f);
        }
    }

    public static TheoryData<BinaryOp, int[], int[], int[]> BinaryCases()
    {
        var data = new TheoryData<BinaryOp, int[], int[], int[]>();
        int[][][] shapes =
        [
            [[4, 5], [4, 5], [4, 5]],
            [[3, 1], [1, 4], [3, 4]],
            [[2, 3, 4], [1, 3, 1], [2, 3, 4]],
            [[1, 1], [6, 7], [6, 7]],
            [[2, 1, 3, 1], [1, 4, 1, 5], [2, 4, 3, 5]],
        ];
        foreach (BinaryOp op in Enum.GetValues<BinaryOp>())
            foreach (int[][] s in shapes) data.Add(op, s[0], s[1], s[2]);
        return data;
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void Binary_forward_and_backward_match_the_cpu(BinaryOp op, int[] aShape, int[] bShape, int[] zShape)
    {
        int aCount = aShape.Aggregate(1, (p, d) => p * d), bCount = bShape.Aggregate(1, (p, d) => p * d), zCount = zShape.Aggregate(1, (p, d) => p * d);
        float[] a = Parity.Random(aCount, 21), b = Parity.Random(bCount, 22, 0.5f, 2f), dz = Parity.Random(zCount, 23);
        var z = new float[zCount];
        CpuElementwise.Binary_Forward(op, z, a, aShape, b, bShape, zShape);
        using var aDevice = gpu.Upload(a);
        using var bDevice = gpu.Upload(b);
        using var zDevice = gpu.Upload(new float[zCount]);
        using var dzDevice = gpu.Upload(dz);
        gpu.Kernels.Elementwise.Binary_Forward(op, zDevice.View, aDevice.View, aShape, bDevice.View, bShape, zShape);
        string shapes = $"a {Parity.Shape(aShape)} b {Parity.Shape(bShape)} z {Parity.Shape(zShape)}";
        Parity.Close(z, gpu.Download(zDevice, zCount), $"Binary {op} forward {shapes}");

        for (int operand = 0; operand < 2; operand++)
            foreach (bool accumulate in new[] { false, true })
            {
                int count = operand == 0 ? aCount : bCount;
                float[] old = Parity.Random(count, 24), expected = (float[])old.Clone();
                CpuElementwise.Binary_Backward(op, operand, expected, dz, a, aShape, b, bShape, zShape, accumulate);
                using var dDevice = gpu.Upload(old);
                gpu.Kernels.Elementwise.Binary_Backward(op, operand, dDevice.View, dzDevice.View, aDevice.View, aShape, bDevice.View, bShape, zShape, accumulate);
                Parity.Close(expected, gpu.Download(dDevice, count), $"Binary {op} backward operand {operand} {shapes} accumulate={accumulate}");
            }
    }

    [Fact]
    public void Binary_rejects_shapes_that_do_not_broadcast()
    {
        using var buffer = gpu.Upload(new float[12]);
        var error = Assert.Throws<ArgumentException>(() =>
            gpu.Kernels.Elementwise.Binary_Forward(BinaryOp.Add, buffer.View, buffer.View, [3, 2], buffer.View, [3, 4], [3, 4]));
        Assert.Contains("Cannot broadcast a [3, 2] and b [3, 4] to z [3, 4] (axis 1)", error.Message);
    }

    [Fact]
    public void Fill_writes_the_value_and_nothing_past_the_count()
    {
        using var buffer = gpu.Upload(new float[10]);
        gpu.Kernels.Elementwise.Fill(buffer.View.SubView(2, 5), 3.5f, 5);
        Parity.Exact([0, 0, 3.5f, 3.5f, 3.5f, 3.5f, 3.5f, 0, 0, 0], gpu.Download(buffer, 10), "Fill");
    }
}
