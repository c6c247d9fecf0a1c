using System.Collections.Generic;
using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Ops;

/// <summary>A learnable tensor or buffer a layer declares: its PyTorch name (<c>weight</c>, <c>running_mean</c>), the
/// eager layer's property that holds it (<c>Weight</c>, <c>Bias!</c> when it may be null), its shape (null while a size
/// is a generic block's unbound type parameter), and its initialisation.</summary>
internal sealed record LayerTensor(string Name, string Property, Shape? Shape, string Init, int FanIn = 0);

/// <summary>A parameter of a layer call: its C# name, whether it must be given, and how many tensors it is (2 for an LSTM's
/// <c>(h, c)</c> state).</summary>
internal sealed record LayerOperand(string Name, bool Required, int Arity = 1)
{
    public static readonly IReadOnlyList<LayerOperand> SingleInput = new[] { new LayerOperand("input", Required: true) };
}

/// <summary>The arguments of a layer call node (not the layer's own): which operand slot each tensor fills, and for a cell called
/// in a loop over time (<c>for (int t = 0; t &lt; Steps.Size; t++) h = Cell(x[t], h);</c>) the number of steps the loop runs
/// (0 for a single call).</summary>
internal sealed record LayerCallArgs(EquatableArray<int> Slots, int LoopSteps = 0) : OpArgs;

/// <summary>A layer attribute as the parser read it (<c>[Conv2d(1, 10, Kernel = 5)]</c>), without Roslyn types: constructor
/// arguments by position and named arguments by name. Problems are reported as SN0009 at the attribute.</summary>
internal interface ILayerAttribute
{
    /// <summary>The layer member's name, for messages.</summary>
    string Member { get; }

    int PositionalCount { get; }

    /// <summary>Constructor argument <paramref name="index"/> as a size: a positive int, or <c>nameof(T)</c> of a class type
    /// parameter (bound where the block is used). Reports SN0009 and returns null when it is neither.</summary>
    SizeArg? Size(int index, string what);

    int? Int(int index);

    int? NamedInt(string name);

    double? NamedDouble(string name);

    bool? NamedBool(string name);

    /// <summary>Reports SN0009 (<c>Layer '{member}': {problem}</c>) at the attribute.</summary>
    void Report(string problem);
}

/// <summary>Checks shared by layer definitions' <c>Bind</c>.</summary>
internal static class LayerAttributeChecks
{
    /// <summary>Constructor argument <paramref name="index"/> as a positive int; otherwise reports SN0009 ("the
    /// {<paramref name="what"/>} must be a positive int, but it is …") and returns null.</summary>
    public static int? PositiveInt(this ILayerAttribute a, int index, string what)
    {
        int? value = a.Int(index);
        if (value is > 0) return value;
        a.Report($"the {what} must be a positive int, but it is {value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not an int"}");
        return null;
    }
}

/// <summary>The layer-specific side of a layer definition, untyped, for the parser, inference and the emitter.</summary>
internal interface ILayer
{
    string Name { get; }

    /// <summary>How many tensors a call of the layer takes (<c>Fc1(x)</c>: 1).</summary>
    int TensorInputs { get; }

    /// <summary>The parameters of a call of the layer, in order (<c>Gru1(input, h0, lengths)</c>); an optional one may be left
    /// out or passed as <c>null</c>, and one of arity 2 is a tuple <c>(h, c)</c> that becomes two operands.</summary>
    IReadOnlyList<LayerOperand> Operands { get; }

    /// <summary>The layer's arguments for one call that filled <paramref name="slots"/> (for each operand of the node, the index
    /// in <see cref="Operands"/> it fills): a layer with optional operands records which were given.</summary>
    OpArgs BindCall(OpArgs args, IReadOnlyList<int> slots);

    /// <summary>The layer's arguments for the call <paramref name="call"/>: its slots and, for a cell, the steps of the loop it runs in.</summary>
    OpArgs BindCall(OpArgs args, LayerCallArgs call);

    /// <summary>For a layer returning a tuple, the C# names of its elements (<c>(Output, HN)</c>), so a body may select one as
    /// <c>Gru1(x).HN</c>; null for a layer returning one tensor.</summary>
    TuplePattern? ResultNames { get; }

    /// <summary>The typed arguments from the attribute, or null after reporting SN0009.</summary>
    OpArgs? BindAttribute(ILayerAttribute attribute);

    IReadOnlyList<LayerTensor> ParametersOf(OpArgs args);

    IReadOnlyList<LayerTensor> BuffersOf(OpArgs args);

    /// <summary>The runtime class of the eager layer (<c>global::ShapeNet.LinearLayer</c>).</summary>
    string EagerClass { get; }

    /// <summary>The eager layer's constructor arguments, given the <c>ParameterInit</c> and module-name expressions.</summary>
    string EagerArgumentsOf(OpArgs args, string init, string name);

    /// <summary>Whether the eager layer has a <c>Training</c> mode the network passes on (BatchNorm2d).</summary>
    bool HasTrainingMode { get; }

    /// <summary>Activations (op names) the layer's forward kernel can apply to its output, fusing a single consumer.</summary>
    IReadOnlyCollection<string> FusibleActivations { get; }
}

/// <summary>
/// A layer: an op with parameters (and possibly buffers) declared by an attribute on a partial property
/// (<c>[Linear(784, 512)] partial Linear Fc1 { get; }</c>). Besides the op's stages it declares how the attribute reads,
/// its parameters and buffers with their PyTorch names and initialisation, and the eager layer the network constructs.
/// Its <see cref="OpDefinition.Name"/> is the attribute's name without <c>Attribute</c> and the delegate type's name.
/// </summary>
internal abstract class LayerDefinition<TArgs> : OpDefinition<TArgs>, ILayer where TArgs : OpArgs
{
    /// <summary>Layers are called by member name (<c>Fc1(x)</c>), not by an op name.</summary>
    public sealed override IReadOnlyList<DslCall> Calls => System.Array.Empty<DslCall>();

    public abstract int TensorInputs { get; }

    /// <summary>One required input unless the layer says otherwise.</summary>
    public virtual IReadOnlyList<LayerOperand> Operands => LayerOperand.SingleInput;

    /// <summary>Layers with one fixed input keep their arguments.</summary>
    public virtual OpArgs BindCall(OpArgs args, IReadOnlyList<int> slots) => args;

    /// <summary>The slots' arguments; only a cell runs in a loop (<see cref="LayerCallArgs.LoopSteps"/>).</summary>
    public virtual OpArgs BindCall(OpArgs args, LayerCallArgs call) => BindCall(args, call.Slots);

    public virtual TuplePattern? ResultNames => null;

    public abstract string EagerClass { get; }

    public abstract bool HasTrainingMode { get; }

    public abstract IReadOnlyCollection<string> FusibleActivations { get; }

    /// <summary>Reads the attribute, validating each value (SN0009 through <paramref name="attribute"/>); null when invalid.</summary>
    protected abstract TArgs? Bind(ILayerAttribute attribute);

    /// <summary>The layer's parameters in the order of the network's <c>Parameters</c> list.</summary>
    protected abstract IReadOnlyList<LayerTensor> Parameters(TArgs args);

    /// <summary>The layer's buffers (state that is not learned) in the order of the network's <c>Buffers</c> list.</summary>
    protected abstract IReadOnlyList<LayerTensor> Buffers(TArgs args);

    protected abstract string EagerArguments(TArgs args, string init, string name);

    public OpArgs? BindAttribute(ILayerAttribute attribute) => Bind(attribute);

    public IReadOnlyList<LayerTensor> ParametersOf(OpArgs args) => Parameters((TArgs)args);

    public IReadOnlyList<LayerTensor> BuffersOf(OpArgs args) => Buffers((TArgs)args);

    public string EagerArgumentsOf(OpArgs args, string init, string name) => EagerArguments((TArgs)args, init, name);

    /// <summary>A shape from sizes that may still be a generic block's type parameters: null until all are bound.</summary>
    protected static Shape? ShapeOf(params SizeArg[] sizes)
    {
        var dims = new List<Dim>();
        foreach (SizeArg s in sizes)
        {
            if (!s.IsBound) return null;
            dims.Add(Dim.Of(s.Value));
        }
        return new Shape(dims.ToEquatableArray());
    }
}

/// <summary>An element-wise activation a layer's forward kernel can fuse: its backend <c>UnaryOp</c> code, and whether its
/// derivative is a function of its output alone (then the pre-activation need not be stored).</summary>
internal interface IActivation
{
    string UnaryCode { get; }

    bool DerivativeFromOutput { get; }
}
