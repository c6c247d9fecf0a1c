namespace ShapeNet;

/// <summary>
/// The base of every generated network (the generator adds it to the <c>[Network]</c> partial class).
/// Holds the parameter and buffer lists and the train/eval mode; the generated part adds the layers, the eager
/// layer delegates, plans and the compile-time summary.
/// </summary>
public abstract class Module : Ops
{
    private Parameter[]? _parameters;
    private ModuleBuffer[]? _buffers;
    private bool _training = true;

    /// <summary>For the generated part of a <c>[Network]</c> class; not derived from by hand.</summary>
    protected Module()
    {
    }

    /// <summary>All parameters, declaration order, blocks depth-first; names are PyTorch's state-dict keys.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters ??= CollectParameters();

    /// <summary>All buffers (state that is not learned: BatchNorm running statistics), declaration order, blocks
    /// depth-first; names are PyTorch's state-dict keys (<c>bn1.running_mean</c>). Optimizers never see them;
    /// checkpoints save and load them with the parameters.</summary>
    public IReadOnlyList<ModuleBuffer> Buffers => _buffers ??= CollectBuffers();

    /// <summary>Training mode (the default) or inference mode, as PyTorch's <c>train()</c>/<c>eval()</c>. Setting it also
    /// sets every layer that depends on it (BatchNorm2d) and every block, recursively. It governs the eager forward; a
    /// plan takes the mode as an argument (<see cref="NetworkPlan.Forward(bool)"/>).</summary>
    public bool Training
    {
        get => _training;
        set
        {
            _training = value;
            SetTrainingOfLayers(value);
        }
    }

    /// <summary>Sets <see cref="Training"/> mode, as PyTorch's <c>model.train()</c>.</summary>
    public void Train() => Training = true;

    /// <summary>The seed of eager <see cref="Dropout"/> masks; each eager call in training mode draws a new mask (a call counter).</summary>
    public ulong DropoutSeed { get; set; } = 0x5EED0D20u;

    private uint _dropoutCalls;

    /// <summary>Inverted dropout with drop probability <paramref name="p"/>, as PyTorch's <c>F.dropout(x, p, self.training)</c>:
    /// in <see cref="Training"/> mode each element is zeroed with probability p and the rest scaled by 1/(1 − p), with a new
    /// mask per call (the same counter-based hash a plan uses, from <see cref="DropoutSeed"/>); in evaluation it is the identity.
    /// A compiled plan draws its own masks in training steps and is the identity in inference.</summary>
    public new Tensor Dropout(Tensor x, double p)
    {
        Tensor checkedX = Ops.Dropout(x, p);
        if (!Training || p == 0) return checkedX;
        var y = Tensor.Zeros(x.Shape);
        var mask = new float[x.Data.Length];
        Backends.Cpu.CpuDropout.Dropout_Forward(y.Data, mask, x.Data, (float)p, DropoutSeed, _dropoutCalls++);
        return y;
    }

    /// <summary>Sets inference mode (<see cref="Training"/> false), as PyTorch's <c>model.eval()</c>: BatchNorm uses its running
    /// statistics and dropout is the identity.</summary>
    public void Eval() => Training = false;

    /// <summary>Total number of scalar parameters.</summary>
    public long ParameterCount
    {
        get
        {
            long n = 0;
            foreach (Parameter p in Parameters) n += p.Value.Numel;
            return n;
        }
    }

    /// <summary>Appends this network's parameters (and its blocks') in order. Generated.</summary>
    protected internal abstract void AddParameters(List<Parameter> parameters);

    /// <summary>Appends this network's buffers (and its blocks') in order. Generated for networks that have any.</summary>
    protected internal virtual void AddBuffers(List<ModuleBuffer> buffers)
    {
    }

    /// <summary>Passes a new <see cref="Training"/> mode on to the layers and blocks. Generated for networks that have
    /// BatchNorm layers or blocks.</summary>
    protected virtual void SetTrainingOfLayers(bool training)
    {
    }

    private Parameter[] CollectParameters()
    {
        var list = new List<Parameter>();
        AddParameters(list);
        return list.ToArray();
    }

    private ModuleBuffer[] CollectBuffers()
    {
        var list = new List<ModuleBuffer>();
        AddBuffers(list);
        return list.ToArray();
    }
}
