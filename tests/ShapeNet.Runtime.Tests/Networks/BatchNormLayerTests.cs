using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Networks;

/// <summary>The eager <see cref="BatchNorm2dLayer"/>: PyTorch's initial state, training against a double-precision
/// reference of nn.BatchNorm2d (batch statistics, running statistics with the unbiased variance, the batch counter),
/// inference with the running statistics, and the module buffer list. Tolerance: rtol 1e-5, atol 1e-5.</summary>
public class BatchNormLayerTests
{
    private const double Rtol = 1e-5, Atol = 1e-5;

    [Fact]
    public void Starts_as_pytorch_weight_one_bias_zero_running_mean_zero_running_var_one()
    {
        var layer = new BatchNorm2dLayer("bn1", 3);
        Assert.Equal("bn1.weight", layer.Weight!.Name);
        Assert.Equal([1f, 1f, 1f], layer.Weight.Value.Data);
        Assert.Equal("bn1.bias", layer.Bias!.Name);
        Assert.Equal([0f, 0f, 0f], layer.Bias.Value.Data);
        Assert.Equal("bn1.running_mean", layer.RunningMean.Name);
        Assert.Equal([0f, 0f, 0f], layer.RunningMean.Value.Data);
        Assert.Equal("bn1.running_var", layer.RunningVar.Name);
        Assert.Equal([1f, 1f, 1f], layer.RunningVar.Value.Data);
        Assert.Equal("bn1.num_batches_tracked", layer.NumBatchesTracked.Name);
        Assert.Equal(0, layer.NumBatchesTracked.Value.Rank);
        Assert.Equal([0f], layer.NumBatchesTracked.Value.Data);
        Assert.True(layer.Training);
    }

    [Fact]
    public void Without_affine_has_no_parameters()
    {
        var layer = new BatchNorm2dLayer("bn", 2, affine: false);
        Assert.Null(layer.Weight);
        Assert.Null(layer.Bias);
    }

    [Theory]
    [InlineData(0, 1e-5, 0.1)]
    [InlineData(4, 0.0, 0.1)]
    [InlineData(4, 1e-5, 1.5)]
    [InlineData(4, 1e-5, -0.1)]
    public void Rejects_invalid_arguments(int features, double eps, double momentum) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm2dLayer("bn", features, eps, momentum));

    [Fact]
    public void Training_forward_uses_batch_statistics_and_updates_the_running_ones_as_pytorch()
    {
        const int n = 3, c = 2, plane = 4 * 5;
        const double eps = 1e-3, momentum = 0.25;
        var layer = new BatchNorm2dLayer("bn", c, eps, momentum);
        float[] gamma = [1.5f, -0.5f], beta = [0.25f, 2f];
        gamma.CopyTo(layer.Weight!.Value.Data, 0);
        beta.CopyTo(layer.Bias!.Value.Data, 0);
        float[] x = TestData.Uniform(11, n * c * plane, -2f, 3f);

        Tensor y = layer.Forward(new Tensor(x, n, c, 4, 5));

        var expected = new double[x.Length];
        var runningMean = new double[c];
        var runningVar = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            var values = Enumerable.Range(0, n).SelectMany(s => Enumerable.Range(0, plane).Select(i => (double)x[(s * c + ch) * plane + i])).ToArray();
            double mean = values.Average(), biased = values.Select(v => (v - mean) * (v - mean)).Sum() / values.Length;
            double unbiased = biased * values.Length / (values.Length - 1);
            runningMean[ch] = (1 - momentum) * 0 + momentum * mean;
            runningVar[ch] = (1 - momentum) * 1 + momentum * unbiased;
            for (int s = 0; s < n; s++)
                for (int i = 0; i < plane; i++)
                {
                    int index = (s * c + ch) * plane + i;
                    expected[index] = (x[index] - mean) / Math.Sqrt(biased + eps) * gamma[ch] + beta[ch];
                }
        }
        Assert.Equal([n, c, 4, 5], y.Shape);
        Numerics.AssertClose(expected, y.Data, Rtol, Atol, "training output", n, c, 4, 5);
        Numerics.AssertClose(runningMean, layer.RunningMean.Value.Data, Rtol, Atol, "running_mean", c);
        Numerics.AssertClose(runningVar, layer.RunningVar.Value.Data, Rtol, Atol, "running_var", c);
        Assert.Equal([1f], layer.NumBatchesTracked.Value.Data);

        // Inference: the running statistics, which do not change, nor does the counter.
        layer.Training = false;
        float[] meanBefore = (float[])layer.RunningMean.Value.Data.Clone(), varBefore = (float[])layer.RunningVar.Value.Data.Clone();
        Tensor eval = layer.Forward(new Tensor(x, n, c, 4, 5));
        for (int s = 0; s < n; s++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < plane; i++)
                {
                    int index = (s * c + ch) * plane + i;
                    expected[index] = (x[index] - meanBefore[ch]) / Math.Sqrt(varBefore[ch] + eps) * gamma[ch] + beta[ch];
                }
        Numerics.AssertClose(expected, eval.Data, Rtol, Atol, "inference output", n, c, 4, 5);
        Assert.Equal(meanBefore, layer.RunningMean.Value.Data);
        Assert.Equal(varBefore, layer.RunningVar.Value.Data);
        Assert.Equal([1f], layer.NumBatchesTracked.Value.Data);
    }

    [Fact]
    public void Rejects_an_input_with_other_channels()
    {
        var layer = new BatchNorm2dLayer("bn", 3);
        var e = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(2, 4, 2, 2)));
        Assert.Contains("BatchNorm2d(3) expects inputs [N, 3, H, W], got [2, 4, 2, 2]", e.Message);
    }

    /// <summary>A hand-made module with one BatchNorm layer: its parameters and buffers are separate lists, and Eval/Train
    /// reach the layer through the generated-style hook.</summary>
    private sealed class BnModule : Module
    {
        public readonly BatchNorm2dLayer Bn = new("bn", 2);

        protected internal override void AddParameters(List<Parameter> parameters)
        {
            parameters.Add(Bn.Weight!);
            parameters.Add(Bn.Bias!);
        }

        protected internal override void AddBuffers(List<ModuleBuffer> buffers)
        {
            buffers.Add(Bn.RunningMean);
            buffers.Add(Bn.RunningVar);
            buffers.Add(Bn.NumBatchesTracked);
        }

        protected override void SetTrainingOfLayers(bool training) => Bn.Training = training;
    }

    [Fact]
    public void A_module_lists_buffers_apart_from_parameters_and_passes_its_mode_on()
    {
        var module = new BnModule();
        Assert.Equal(["bn.weight", "bn.bias"], module.Parameters.Select(p => p.Name));
        Assert.Equal(["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"], module.Buffers.Select(b => b.Name));
        Assert.Equal(4, module.ParameterCount);
        module.Eval();
        Assert.False(module.Bn.Training);
        module.Train();
        Assert.True(module.Bn.Training);
    }
}
