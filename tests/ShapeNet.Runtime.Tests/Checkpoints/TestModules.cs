using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Checkpoints;

/// <summary>A hand-made network: a Module whose parameters are given by name and shape, initialised from a seed.</summary>
internal class TestModule : Module
{
    private readonly Parameter[] _declared;

    public TestModule(int seed, params (string Name, int[] Shape)[] parameters)
    {
        _declared = new Parameter[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            int[] shape = parameters[i].Shape;
            _declared[i] = new Parameter(parameters[i].Name, new Tensor(TestData.Uniform(seed * 100 + i, TestData.Count(shape)), shape));
        }
    }

    public Parameter this[string name] => _declared.Single(p => p.Name == name);

    protected internal override void AddParameters(List<Parameter> parameters) => parameters.AddRange(_declared);

    /// <summary>Copies of every parameter's values, by name.</summary>
    public Dictionary<string, float[]> Snapshot() => Parameters.ToDictionary(p => p.Name, p => (float[])p.Value.Data.Clone());
}

/// <summary>The 4-8-3 MLP of tests/golden/safetensors_from_torch.py: fc1 → relu → fc2, PyTorch names and layouts.</summary>
internal sealed class SmallMlp(int seed = 1) : TestModule(seed, ("fc1.weight", [8, 4]), ("fc1.bias", [8]), ("fc2.weight", [3, 8]), ("fc2.bias", [3]))
{
    /// <summary>The eager forward on the parameters: relu(x·W1ᵀ + b1)·W2ᵀ + b2.</summary>
    public Tensor Forward(Tensor x) =>
        Tensor.LinearForward(Tensor.LinearForward(x, this["fc1.weight"].Value, this["fc1.bias"].Value).Relu(),
            this["fc2.weight"].Value, this["fc2.bias"].Value);

    /// <summary>Accumulates into the parameters' Grad the gradient of mean((forward(x) − y)²), by hand.</summary>
    public void AccumulateMseGradient(float[] x, float[] y, int batch)
    {
        const int inF = 4, hid = 8, outF = 3;
        float[] w1 = this["fc1.weight"].Value.Data, b1 = this["fc1.bias"].Value.Data;
        float[] w2 = this["fc2.weight"].Value.Data, b2 = this["fc2.bias"].Value.Data;
        float[] gw1 = this["fc1.weight"].Grad.Data, gb1 = this["fc1.bias"].Grad.Data;
        float[] gw2 = this["fc2.weight"].Grad.Data, gb2 = this["fc2.bias"].Grad.Data;
        float scale = 2f / (batch * outF);
        var z = new float[hid];
        var h = new float[hid];
        var dOut = new float[outF];
        for (int n = 0; n < batch; n++)
        {
            for (int j = 0; j < hid; j++)
            {
                float s = b1[j];
                for (int k = 0; k < inF; k++) s += x[n * inF + k] * w1[j * inF + k];
                z[j] = s;
                h[j] = MathF.Max(s, 0f);
            }
            for (int o = 0; o < outF; o++)
            {
                float s = b2[o];
                for (int j = 0; j < hid; j++) s += h[j] * w2[o * hid + j];
                dOut[o] = scale * (s - y[n * outF + o]);
                gb2[o] += dOut[o];
                for (int j = 0; j < hid; j++) gw2[o * hid + j] += dOut[o] * h[j];
            }
            for (int j = 0; j < hid; j++)
            {
                if (z[j] <= 0f) continue;
                float dh = 0f;
                for (int o = 0; o < outF; o++) dh += dOut[o] * w2[o * hid + j];
                gb1[j] += dh;
                for (int k = 0; k < inF; k++) gw1[j * inF + k] += dh * x[n * inF + k];
            }
        }
    }
}
