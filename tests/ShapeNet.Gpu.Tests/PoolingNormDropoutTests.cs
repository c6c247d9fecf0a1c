using ShapeNet.Backends.Cpu;

namespace ShapeNet.Gpu.Tests;

/// <summary>Gpu/Pooling.cs, Gpu/Normalization.cs and Gpu/Dropout.cs against the CPU backend. Max pooling and dropout:
/// bit-exact (same comparisons, same hash). Averages and batch norm: 1e-5 relative + 1e-5 absolute.</summary>
[Collection(GpuCollection.Name)]
public sealed class PoolingNormDropoutTests(GpuFixture gpu)
{
    [Theory]
    [InlineData(2, 3, 8, 8, 2, 2, 2, 2, 0, 0)]
    [InlineData(1, 2, 9, 7, 3, 3, 2, 2, 1, 1)]
    [InlineData(2, 2, 6, 6, 3, 3, 1, 1, 1, 1)]
    [InlineData(1, 3, 7, 5, 2, 3, 1, 2, 0, 1)]
    public void Pooling_forward_and_backward_match_the_cpu(int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        int outH = CpuPooling.OutputSize(height, kernelH, strideH, padH), outW = CpuPooling.OutputSize(width, kernelW, strideW, padW);
        int inCount = batch * channels * height * width, outCount = batch * channels * outH * outW;
        // Rounded to tenths so that windows hold ties: the first position must win on both.
        float[] x = Parity.Random(inCount, 91).Select(v => MathF.Round(v * 5f) / 5f).ToArray();
        float[] dy = Parity.Random(outCount, 92), old = Parity.Random(inCount, 93);
        string geometry = $"k{kernelH}×{kernelW} s{strideH}×{strideW} p{padH}×{padW} on {Parity.Shape(batch, channels, height, width)}";
        using var xDevice = gpu.Upload(x);
        using var dyDevice = gpu.Upload(dy);

        float[] y = new float[outCount], indices = new float[outCount];
        CpuPooling.MaxPool2d_Forward(y, indices, x, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        using var yDevice = gpu.Upload(new float[outCount]);
        using var indexDevice = gpu.Upload(new float[outCount]);
        gpu.Kernels.Pooling.MaxPool2d_Forward(yDevice.View, indexDevice.View, xDevice.View, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        Parity.Exact(y, gpu.Download(yDevice, outCount), "MaxPool2d forward " + geometry);
        Parity.Exact(indices, gpu.Download(indexDevice, outCount), "MaxPool2d indices " + geometry);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = (float[])old.Clone();
            CpuPooling.MaxPool2d_Backward(dx, dy, indices, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, accumulate);
            using var dxDevice = gpu.Upload(old);
            gpu.Kernels.Pooling.MaxPool2d_Backward(dxDevice.View, dyDevice.View, indexDevice.View, batch, channels, height, width, kernelH, kernelW,
                strideH, strideW, padH, padW, accumulate);
            Parity.Close(dx, gpu.Download(dxDevice, inCount), $"MaxPool2d backward {geometry} accumulate={accumulate}", 1e-6f, 1e-6f);
        }

        foreach (bool countIncludePad in new[] { true, false })
        {
            float[] avg = new float[outCount];
            CpuPooling.AvgPool2d_Forward(avg, x, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, countIncludePad);
            using var avgDevice = gpu.Upload(new float[outCount]);
            gpu.Kernels.Pooling.AvgPool2d_Forward(avgDevice.View, xDevice.View, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, countIncludePad);
            Parity.Close(avg, gpu.Download(avgDevice, outCount), $"AvgPool2d forward {geometry} countIncludePad={countIncludePad}");
            foreach (bool accumulate in new[] { false, true })
            {
                float[] dx = (float[])old.Clone();
                CpuPooling.AvgPool2d_Backward(dx, dy, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, countIncludePad, accumulate);
                using var dxDevice = gpu.Upload(old);
                gpu.Kernels.Pooling.AvgPool2d_Backward(dxDevice.View, dyDevice.View, batch, channels, height, width, kernelH, kernelW,
                    strideH, strideW, padH, padW, countIncludePad, accumulate);
                Parity.Close(dx, gpu.Download(dxDevice, inCount), $"AvgPool2d backward {geometry} countIncludePad={countIncludePad} accumulate={accumulate}");
            }
        }
    }

    [Fact]
    public void Global_average_pooling_matches_the_cpu()
    {
        const int batch = 3, channels = 4, plane = 10;
        float[] x = Parity.Random(batch * channels * plane, 101), dy = Parity.Random(batch * channels, 102), old = Parity.Random(x.Length, 103);
        float[] y = new float[batch * channels];
        CpuPooling.GlobalAvgPool_Forward(y, x, batch, channels, plane);
        using var xDevice = gpu.Upload(x);
        using var yDevice = gpu.Upload(new float[y.Length]);
        gpu.Kernels.Pooling.GlobalAvgPool_Forward(yDevice.View, xDevice.View, batch, channels, plane);
        Parity.Close(y, gpu.Download(yDevice, y.Length), "GlobalAvgPool forward [3, 4, 10]");
        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = (float[])old.Clone();
            CpuPooling.GlobalAvgPool_Backward(dx, dy, batch, channels, plane, accumulate);
            using var dxDevice = gpu.Upload(old);
            using var dyDevice = gpu.Upload(dy);
            gpu.Kernels.Pooling.GlobalAvgPool_Backward(dxDevice.View, dyDevice.View, batch, channels, plane, accumulate);
            Parity.Close(dx, gpu.Download(dxDevice, dx.Length), $"GlobalAvgPool backward accumulate={accumulate}");
        }
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, true, false)]
    public void BatchNorm_forward_and_backward_match_the_cpu(bool training, bool affine, bool running)
    {
        const int batch = 4, channels = 3, plane = 13, count = batch * channels * plane;
        float[] x = Parity.Random(count, 111, -1f, 3f), dy = Parity.Random(count, 112), old = Parity.Random(count, 113);
        float[] weight = affine ? Parity.Random(channels, 114, 0.5f, 1.5f) : [], bias = affine ? Parity.Random(channels, 115) : [];
        float[] runningMean = running ? Parity.Random(channels, 116) : [], runningVar = running ? Parity.Random(channels, 117, 0.5f, 2f) : [];
        string what = $"BatchNorm2d training={training} affine={affine} running={running} [4, 3, 13]";
        using var xDevice = gpu.Upload(x);
        using var wDevice = gpu.Upload(weight);
        using var bDevice = gpu.Upload(bias);
        using var rmDevice = gpu.Upload(runningMean);
        using var rvDevice = gpu.Upload(runningVar);
        using var yDevice = gpu.Upload(new float[count]);
        using var meanDevice = gpu.Upload(new float[channels]);
        using var invStdDevice = gpu.Upload(new float[channels]);
        float[] y = new float[count], mean = new float[channels], invStd = new float[channels];
        CpuNormalization.BatchNorm2d_Forward(y, mean, invStd, runningMean, runningVar, x, weight, bias, batch, channels, plane, training, 0.1f, 1e-5f);
        gpu.Kernels.Normalization.BatchNorm2d_Forward(yDevice.View, meanDevice.View, invStdDevice.View, running ? rmDevice.View : default,
            running ? rvDevice.View : default, xDevice.View, affine ? wDevice.View : default, affine ? bDevice.View : default,
            batch, channels, plane, training, 0.1f, 1e-5f);
        Parity.Close(y, gpu.Download(yDevice, count), what + " y", 1e-5f, 1e-5f);
        Parity.Close(mean, gpu.Download(meanDevice, channels), what + " saved mean", 1e-5f, 1e-6f);
        Parity.Close(invStd, gpu.Download(invStdDevice, channels), what + " saved inverse std", 1e-5f, 1e-6f);
        if (running)
        {
            Parity.Close(runningMean, gpu.Download(rmDevice, channels), what + " running mean", 1e-6f, 1e-7f);
            Parity.Close(runningVar, gpu.Download(rvDevice, channels), what + " running var", 1e-6f, 1e-7f);
        }

        foreach (bool accumulate in new[] { false, true })
        {
            float[] dx = (float[])old.Clone(), dWeight = affine ? [0.5f, -0.25f, 1f] : [], dBias = affine ? [0.1f, 0.2f, -0.3f] : [];
            float[] oldDWeight = (float[])dWeight.Clone(), oldDBias = (float[])dBias.Clone();
            CpuNormalization.BatchNorm2d_Backward(dx, dWeight, dBias, dy, x, mean, invStd, weight, batch, channels, plane, training, accumulate, accumulate);
            using var dxDevice = gpu.Upload(old);
            using var dwDevice = gpu.Upload(oldDWeight);
            using var dbDevice = gpu.Upload(oldDBias);
            using var dyDevice = gpu.Upload(dy);
            using var meanCpu = gpu.Upload(mean);
            using var invStdCpu = gpu.Upload(invStd);
            gpu.Kernels.Normalization.BatchNorm2d_Backward(dxDevice.View, affine ? dwDevice.View : default, affine ? dbDevice.View : default, dyDevice.View,
                xDevice.View, meanCpu.View, invStdCpu.View, affine ? wDevice.View : default, batch, channels, plane, training, accumulate, accumulate);
            Parity.Close(dx, gpu.Download(dxDevice, count), what + $" dx accumulate={accumulate}", 1e-5f, 1e-5f);
            if (affine)
            {
                Parity.Close(dWeight, gpu.Download(dwDevice, channels), what + $" dWeight accumulate={accumulate}", 1e-5f, 1e-5f);
                Parity.Close(dBias, gpu.Download(dbDevice, channels), what + $" dBias accumulate={accumulate}", 1e-5f, 1e-5f);
            }
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(1f)]
    public void Dropout_masks_match_the_cpu_bit_for_bit(float p)
    {
        const int n = 1000;
        float[] x = Parity.Random(n, 121), dy = Parity.Random(n, 122);
        using var xDevice = gpu.Upload(x);
        using var yDevice = gpu.Upload(new float[n]);
        using var maskDevice = gpu.Upload(new float[n]);
        using var dyDevice = gpu.Upload(dy);
        using var dxDevice = gpu.Upload(new float[n]);
        foreach (uint step in new uint[] { 0, 7 })
        {
            float[] y = new float[n], mask = new float[n], dx = new float[n];
            CpuDropout.Dropout_Forward(y, mask, x, p, 0x5EED, step);
            gpu.Kernels.Dropout.Dropout_Forward(yDevice.View, maskDevice.View, xDevice.View, n, p, 0x5EED, step);
            Parity.Exact(mask, gpu.Download(maskDevice, n), $"Dropout p={p} step {step} mask");
            Parity.Exact(y, gpu.Download(yDevice, n), $"Dropout p={p} step {step} y");
            CpuDropout.Dropout_Backward(dx, dy, mask, p, false);
            gpu.Kernels.Dropout.Dropout_Backward(dxDevice.View, dyDevice.View, maskDevice.View, n, p, false);
            Parity.Exact(dx, gpu.Download(dxDevice, n), $"Dropout p={p} step {step} dx");
        }
    }
}
