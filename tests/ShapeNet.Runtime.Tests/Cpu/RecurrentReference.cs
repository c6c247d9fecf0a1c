using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>
/// A float64 reference of PyTorch's recurrent layers written as plainly as possible: per example, per step, per gate, with
/// no GEMMs, no shared buffers and no masking tricks (a padded example simply runs fewer steps). The kernels are tested
/// against it and against central finite differences of it.
/// </summary>
internal static class RecurrentReference
{
    /// <summary>The stack's results concatenated: output (zeros at padded steps), h_n, then c_n for LSTM.</summary>
    public static double[] Forward(RecurrentDescriptor d, double[] x, double[]? h0, double[]? c0, double[][] parameters,
        int[]? lengths, int seqLength, int batch, bool training = false, ulong seed = 0, uint step = 0)
    {
        int h = d.HiddenSize, dirs = d.Directions, ow = d.OutputSize, layers = d.NumLayers;
        int Row(int t, int b) => d.BatchFirst ? b * seqLength + t : t * batch + b;
        var hN = new double[layers * dirs * batch * h];
        var cN = new double[hN.Length];
        double[] input = x;
        int inputSize = d.InputSize;
        double[] output = [];
        for (int l = 0; l < layers; l++)
        {
            output = new double[seqLength * batch * ow];
            for (int dir = 0; dir < dirs; dir++)
            {
                int k = l * dirs + dir, first = k * (d.Bias ? 4 : 2);
                double[] wih = parameters[first], whh = parameters[first + 1];
                double[]? bih = d.Bias ? parameters[first + 2] : null, bhh = d.Bias ? parameters[first + 3] : null;
                for (int b = 0; b < batch; b++)
                {
                    int length = lengths?[b] ?? seqLength;
                    var state = new double[h];
                    var cell = new double[h];
                    for (int j = 0; j < h; j++)
                    {
                        state[j] = h0?[(k * batch + b) * h + j] ?? 0;
                        cell[j] = c0?[(k * batch + b) * h + j] ?? 0;
                    }
                    for (int s = 0; s < length; s++)
                    {
                        int t = dir == 0 ? s : length - 1 - s;
                        double[] gx = Affine(wih, bih, input, Row(t, b) * inputSize, inputSize, d.GateCount * h);
                        double[] gh = Affine(whh, bhh, state, 0, h, d.GateCount * h);
                        (state, cell) = Cell(d.Mode, gx, gh, state, cell, h);
                        for (int j = 0; j < h; j++) output[Row(t, b) * ow + dir * h + j] = state[j];
                    }
                    for (int j = 0; j < h; j++)
                    {
                        hN[(k * batch + b) * h + j] = state[j];
                        cN[(k * batch + b) * h + j] = cell[j];
                    }
                }
            }
            if (l < layers - 1 && training && d.Dropout > 0)
            {
                input = new double[output.Length];
                for (int i = 0; i < output.Length; i++)
                    input[i] = CpuDropout.Uniform(seed + (ulong)l, step, (uint)i) >= d.Dropout ? output[i] / (1 - (double)d.Dropout) : 0;
            }
            else
                input = output;
            inputSize = ow;
        }
        return d.HasCellState ? [.. output, .. hN, .. cN] : [.. output, .. hN];
    }

    /// <summary>W·v + b for W [rows, columns] and v = vector[offset .. offset + columns].</summary>
    private static double[] Affine(double[] w, double[]? bias, double[] vector, int offset, int columns, int rows)
    {
        var result = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = bias?[r] ?? 0;
            for (int c = 0; c < columns; c++) sum += w[r * columns + c] * vector[offset + c];
            result[r] = sum;
        }
        return result;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>One step of PyTorch's cell: gate blocks r, z, n (GRU) and i, f, g, o (LSTM).</summary>
    private static (double[] H, double[] C) Cell(RecurrentMode mode, double[] gx, double[] gh, double[] h, double[] c, int size)
    {
        var hNext = new double[size];
        var cNext = new double[size];
        for (int j = 0; j < size; j++)
        {
            switch (mode)
            {
                case RecurrentMode.RnnTanh:
                    hNext[j] = Math.Tanh(gx[j] + gh[j]);
                    break;
                case RecurrentMode.RnnRelu:
                    hNext[j] = Math.Max(0, gx[j] + gh[j]);
                    break;
                case RecurrentMode.Gru:
                    double r = Sigmoid(gx[j] + gh[j]), z = Sigmoid(gx[size + j] + gh[size + j]);
                    double n = Math.Tanh(gx[2 * size + j] + r * gh[2 * size + j]);
                    hNext[j] = (1 - z) * n + z * h[j];
                    break;
                default:
                    double i = Sigmoid(gx[j] + gh[j]), f = Sigmoid(gx[size + j] + gh[size + j]);
                    double g = Math.Tanh(gx[2 * size + j] + gh[2 * size + j]), o = Sigmoid(gx[3 * size + j] + gh[3 * size + j]);
                    cNext[j] = f * c[j] + i * g;
                    hNext[j] = o * Math.Tanh(cNext[j]);
                    break;
            }
        }
        return (hNext, cNext);
    }
}
