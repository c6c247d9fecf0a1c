namespace ShapeNet;

/// <summary>
/// The base of every generated network (the generator adds it to the <c>[Network]</c> partial class).
/// Holds the parameter list and the train/eval mode; the generated part adds the layers, the eager
/// layer delegates, plans and the compile-time summary.
/// </summary>
public abstract class Module : Ops
{
    private Parameter[]? _parameters;

    protected Module()
    {
    }

    /// <summary>All parameters, declaration order, blocks depth-first; names are PyTorch's state-dict keys.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters ??= CollectParameters();

    /// <summary>Training mode (the default) or inference mode, as PyTorch's <c>train()</c>/<c>eval()</c>.</summary>
    public bool Training { get; set; } = true;

    public void Train() => Training = true;

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

    private Parameter[] CollectParameters()
    {
        var list = new List<Parameter>();
        AddParameters(list);
        return list.ToArray();
    }
}
