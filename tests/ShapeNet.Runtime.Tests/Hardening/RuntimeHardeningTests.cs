using System.IO.Compression;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Checkpoints;
using ShapeNet.Data;
using ShapeNet.Runtime.Tests.Data;

namespace ShapeNet.Runtime.Tests.Hardening;

/// <summary>Issue 8's runtime repros, each a regression test: size products that wrapped, declared sizes trusted before the
/// file was checked, errors that did not name the file, a folder Save did not create.</summary>
public class RuntimeHardeningTests
{
    [Fact]
    public void A_tensor_shape_whose_product_wraps_to_zero_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new Tensor(new float[0], 65536, 65536, 65536, 65536));
        Assert.Equal("Tensor: the shape [65,536 × 65,536 × 65,536 × 65,536] overflows: more than 2,147,483,591 elements.", e.Message);
    }

    [Fact]
    public void A_zero_dimension_still_gives_an_empty_tensor_whatever_the_other_sizes()
    {
        var t = new Tensor(new float[0], 0, int.MaxValue, int.MaxValue);
        Assert.Equal(0, t.Numel);
    }

    [Fact]
    public void A_conv_whose_receptive_field_overflows_throws_before_any_pointer_code()
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv2dGeometry(1, 1, 28, 28, 1, 3, 3, 1, 1, 0, 0, int.MaxValue, int.MaxValue, 1));
        Assert.Equal("Conv2d height: the receptive field 2,147,483,647·2+1 overflows a 32-bit size.", e.Message);
    }

    [Fact]
    public void A_conv_plane_of_65536_by_65540_is_a_clear_error_not_an_overflow()
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv2dGeometry(1, 1, 65536, 65540, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1));
        Assert.Equal("Conv2d: the input plane [65,536 × 65,540] overflows: more than 2,147,483,647 elements.", e.Message);
    }

    [Fact]
    public void Max_pooling_with_sizes_whose_product_wraps_a_long_throws_instead_of_reading_a_24_float_buffer()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuPooling.MaxPool2d_Forward(new float[6], new float[6], new float[24],
            65536, 65536, 65536, 65536, 2, 2, 2, 2, 0, 0));
        Assert.Equal("MaxPool2d: the input [65,536 × 65,536 × 65,536 × 65,536] overflows: more than 2,147,483,591 elements.", e.Message);
    }

    [Fact]
    public void Pooling_padding_that_overflows_twice_over_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuPooling.OutputSize(28, 2, 2, int.MaxValue, "height"));
        Assert.Contains("at most half the kernel", e.Message);
    }

    [Fact]
    public void Broadcasting_shapes_whose_products_wrap_are_rejected_before_the_walk()
    {
        int[] huge = [65536, 65536, 65536, 65536];
        var e = Assert.Throws<ArgumentException>(() => CpuElementwise.Binary_Forward(BinaryOp.Add, new float[0], new float[0], huge,
            new float[1], [1, 1, 1, 1], huge));
        Assert.Equal("Broadcast: operand a [65,536 × 65,536 × 65,536 × 65,536] overflows: more than 2,147,483,591 elements.", e.Message);
    }

    [Fact]
    public void An_idx_header_whose_product_wraps_is_not_read_as_an_empty_array()
    {
        using var files = new IdxFiles();
        string path = files.Write("wrap-idx4-ubyte", 0x08, [65536, 65536, 65536, 65536], []);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Equal("wrap-idx4-ubyte: [65536, 65536, 65536, 65536] has 18,446,744,073,709,551,616 elements; one array holds at most 2,147,483,591.", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_12_byte_idx_file_claiming_2e9_items_fails_without_allocating_them(bool gzip)
    {
        using var files = new IdxFiles();
        string path = files.Write("claims-idx1-ubyte", 0x08, [2_000_000_000], [1, 2, 3, 4], gzip);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4 << 20, $"the reader allocated {allocated:N0} bytes before failing");
        string has = gzip ? "the decompressed file has 12" : "the file has 12";
        Assert.Equal($"claims-idx1-ubyte: expected 2,000,000,008 bytes (a 8-byte header and 2,000,000,000 bytes of data for ubyte [2000000000]), {has}.", e.Message);
    }

    [Fact]
    public void A_corrupt_gzip_idx_file_names_the_file_and_the_position()
    {
        using var files = new IdxFiles();
        string path = files.WriteBytes("corrupt-idx1-ubyte.gz", [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.StartsWith("corrupt-idx1-ubyte.gz: the gzip data is corrupt near compressed byte ", e.Message);
        Assert.Contains(" of 17: ", e.Message);
    }

    [Fact]
    public void A_corrupt_gzip_csv_file_names_the_file()
    {
        using var files = new IdxFiles();
        string path = files.WriteBytes("table.csv.gz", [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        var e = Assert.Throws<InvalidDataException>(() => Csv.Read(path));
        Assert.StartsWith(path + ": the gzip data is corrupt near compressed byte ", e.Message);
    }

    [Fact]
    public void Checkpoint_save_creates_the_folder()
    {
        string root = Directory.CreateTempSubdirectory("shapenet-save-").FullName;
        try
        {
            var model = new Checkpoints.SmallMlp();
            string path = Path.Combine(root, "runs", "deep", "model.safetensors");
            Checkpoint.Save(path, model);
            Assert.True(File.Exists(path));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Softmax_sizes_whose_product_wraps_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuSoftmax.Softmax_Forward(new float[0], new float[0], 65536, 65536, 65536, log: false));
        Assert.Equal("Softmax: the input [65,536 × 65,536 × 65,536] overflows: more than 2,147,483,591 elements.", e.Message);
    }

    [Fact]
    public void Negative_loss_sizes_are_rejected_even_when_their_product_matches_the_spans()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuLoss.Loss_Forward(LossKind.Mse, Reduction.Mean, new float[1], new float[1], -1, -1));
        Assert.Equal("Mse loss over [-1, -1]: rows must not be negative and there must be at least one column.", e.Message);
    }
}
