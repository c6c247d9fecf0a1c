using ShapeNet.Checkpoints;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Checkpoints;

/// <summary>Checkpoints hold a module's buffers (BatchNorm running statistics) next to its parameters, under PyTorch's
/// state-dict names, and the mismatch report covers them.</summary>
public class BufferCheckpointTests
{
    /// <summary>conv.weight, then a BatchNorm2d "bn" over 3 channels (affine or not), as a generated network lists them.</summary>
    private sealed class ConvBn : Module
    {
        private readonly Parameter _conv;

        public ConvBn(int seed, bool affine = true, int channels = 3)
        {
            _conv = new Parameter("conv.weight", new Tensor(TestData.Uniform(seed, channels * 4), channels, 4));
            Bn = new BatchNorm2dLayer("bn", channels, affine: affine);
            if (affine)
            {
                TestData.Uniform(seed + 1, channels).CopyTo(Bn.Weight!.Value.Data, 0);
                TestData.Uniform(seed + 2, channels).CopyTo(Bn.Bias!.Value.Data, 0);
            }
            TestData.Uniform(seed + 3, channels).CopyTo(Bn.RunningMean.Value.Data, 0);
            TestData.Uniform(seed + 4, channels, 0.5f, 2f).CopyTo(Bn.RunningVar.Value.Data, 0);
            Bn.NumBatchesTracked.Value.Data[0] = seed * 10;
        }

        public BatchNorm2dLayer Bn { get; }

        protected internal override void AddParameters(List<Parameter> parameters)
        {
            parameters.Add(_conv);
            if (Bn.Weight is not null) parameters.Add(Bn.Weight);
            if (Bn.Bias is not null) parameters.Add(Bn.Bias);
        }

        protected internal override void AddBuffers(List<ModuleBuffer> buffers)
        {
            buffers.Add(Bn.RunningMean);
            buffers.Add(Bn.RunningVar);
            buffers.Add(Bn.NumBatchesTracked);
        }
    }

    [Fact]
    public void Save_writes_parameters_then_buffers_under_pytorch_names_and_load_restores_them_in_place()
    {
        using var dir = new TempFolder();
        string path = dir.File("bn.safetensors");
        var source = new ConvBn(seed: 3);
        Checkpoint.Save(path, source);

        var read = SafeTensors.Read(path);
        Assert.Equal(["conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"], read.Keys);
        Assert.Equal([3], read["bn.running_var"].Shape);
        Assert.Empty(read["bn.num_batches_tracked"].Shape);   // a scalar, as PyTorch's
        Assert.Equal([30f], read["bn.num_batches_tracked"].Data);

        var target = new ConvBn(seed: 7);
        float[] runningVar = target.Bn.RunningVar.Value.Data;
        CheckpointLoadReport report = Checkpoint.Load(path, target);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(6, report.Loaded.Count);
        Assert.Same(runningVar, target.Bn.RunningVar.Value.Data);   // in place: a CPU plan sees it at once
        foreach (ModuleBuffer b in source.Buffers) Assert.Equal(b.Value.Data, target.Buffers.Single(t => t.Name == b.Name).Value.Data);
        foreach (Parameter p in source.Parameters) Assert.Equal(p.Value.Data, target.Parameters.Single(t => t.Name == p.Name).Value.Data);
    }

    [Fact]
    public void The_mismatch_report_covers_buffers()
    {
        using var dir = new TempFolder();
        string path = dir.File("bn.safetensors");
        // The file: no BatchNorm parameters (affine = false) and 4 channels; the model: affine with 3 channels.
        Checkpoint.Save(path, new ConvBn(seed: 1, affine: false, channels: 4));
        var model = new ConvBn(seed: 2);
        float[] meanBefore = (float[])model.Bn.RunningMean.Value.Data.Clone();

        var e = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(path, model));
        Assert.Equal(["bn.weight", "bn.bias"], e.Report.Missing);
        Assert.Equal(["conv.weight", "bn.running_mean", "bn.running_var"], e.Report.ShapeMismatches.Select(m => m.Name));
        Assert.Contains("bn.running_mean is [3] in the model but [4] in the file", e.Message);
        Assert.Equal(meanBefore, model.Bn.RunningMean.Value.Data);   // strict: nothing loaded

        // A file without buffers (parameters only) misses them.
        string paramsOnly = dir.File("params.safetensors");
        var withoutBuffers = new ConvBn(seed: 1);
        SafeTensors.Write(paramsOnly, withoutBuffers.Parameters.Select(p => (p.Name, p.Value)));
        CheckpointLoadReport report = Checkpoint.Load(paramsOnly, new ConvBn(seed: 2), strict: false);
        Assert.Equal(["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"], report.Missing);
        Assert.Equal("missing: bn.running_mean, bn.running_var, bn.num_batches_tracked", report.ToString());
    }
}
