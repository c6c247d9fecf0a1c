using Microsoft.CodeAnalysis;

namespace ShapeNet.Generator;

/// <summary>
/// Every diagnostic the generator reports. Ids are never reused; each has a page docs/diagnostics/SNxxxx.md
/// and a test. Ranges: SN00xx declarations, SN01xx shapes, SN02xx constructs a static graph cannot take,
/// SN09xx internal failures. Each carries an absolute help link to its page (<see cref="HelpLink"/>), so an IDE's "show
/// help" opens it; AnalyzerReleases.Shipped.md / Unshipped.md list every id by release.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Declarations = "ShapeNet.Declarations";
    private const string Shapes = "ShapeNet.Shapes";
    private const string Constructs = "ShapeNet.Constructs";
    private const string Internal = "ShapeNet.Internal";

    /// <summary>The base of the documentation's published pages, ending in '/': the build's <c>ShapeNetDocsUrl</c>
    /// (Directory.Build.props), stored in this assembly's metadata.</summary>
    public static readonly string DocsUrl = ReadDocsUrl();

    /// <summary>The absolute address of a diagnostic's page, docs/diagnostics/{id}.md.</summary>
    public static string HelpLink(string id) => DocsUrl + "diagnostics/" + id + ".md";

    private static DiagnosticDescriptor Error(string id, string title, string message, string category) =>
        new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static string ReadDocsUrl()
    {
        foreach (object attribute in typeof(DiagnosticDescriptors).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false))
        {
            var metadata = (System.Reflection.AssemblyMetadataAttribute)attribute;
            if (metadata.Key == "ShapeNetDocsUrl" && !string.IsNullOrEmpty(metadata.Value))
                return metadata.Value!.EndsWith("/", System.StringComparison.Ordinal) ? metadata.Value : metadata.Value + "/";
        }
        // Only a build that bypassed Directory.Build.props lacks the metadata; the link is then the repository-relative path.
        return "docs/";
    }

    // ---- declarations ------------------------------------------------------------------------
    public static readonly DiagnosticDescriptor DimSizeNotPositive = Error("SN0001", "Dimension size must be positive",
        "Dimension '{0}' must have a positive size, but [Dim({1})] gives {1}", Declarations);

    public static readonly DiagnosticDescriptor DimDefinedTwice = Error("SN0002", "Dimension defined more than once",
        "Dimension '{0}' is defined more than once ([Dim({1})] and [Dim({2})]); keep one definition", Declarations);

    public static readonly DiagnosticDescriptor MustBePartial = Error("SN0003", "Declaration must be partial",
        "{0} '{1}' must be declared partial: the generator adds {2} to it", Declarations);

    public static readonly DiagnosticDescriptor NoForward = Error("SN0004", "Network has no forward method",
        "Network '{0}' has no [Forward] method: add one, e.g. '[Forward] public Tensor<Batch, Out> Forward(Tensor<Batch, In> x) {{ ... }}'", Declarations);

    public static readonly DiagnosticDescriptor SeveralForwards = Error("SN0005", "Network has more than one forward method",
        "Network '{0}' has more than one [Forward] method ('{1}' and '{2}'); keep one", Declarations);

    public static readonly DiagnosticDescriptor InputNotTyped = Error("SN0006", "Tensor parameter must be typed",
        "{0} of '{1}' must be a typed tensor such as Tensor<Batch, Features>, but its type is '{2}'", Declarations);

    public static readonly DiagnosticDescriptor NotADimension = Error("SN0007", "Type argument is not a dimension",
        "'{0}' is not a dimension: declare it as '[Dim(n)] public partial struct {0};' or use Batch", Declarations);

    public static readonly DiagnosticDescriptor BadLayerMember = Error("SN0008", "Layer member is not a partial property",
        "Layer '{0}' must be declared as 'partial {1} {0} {{ get; }}', but it is {2}", Declarations);

    public static readonly DiagnosticDescriptor BadLayerArgument = Error("SN0009", "Layer hyper-parameter is invalid",
        "Layer '{0}': {1}", Declarations);

    public static readonly DiagnosticDescriptor NetworkHasBaseClass = Error("SN0010", "Network declares a base class",
        "Network '{0}' derives from '{1}': a [Network] class may not declare a base class, the generator derives it from ShapeNet.Module", Declarations);

    public static readonly DiagnosticDescriptor BadDifferentiable = Error("SN0011", "Differentiable function is not static",
        "[Differentiable] method '{0}' must be static, in a partial class, with typed tensor parameters; learnable parameters belong in a [Network]", Declarations);

    public static readonly DiagnosticDescriptor BlockCycle = Error("SN0012", "Block contains itself",
        "Block '{0}' of type '{1}' contains itself through {2}; a network cannot be its own layer", Declarations);

    public static readonly DiagnosticDescriptor NetworkNotGenerated = Error("SN0013", "Network cannot be generated here",
        "Network '{0}' cannot be generated: {1}", Declarations);

    public static readonly DiagnosticDescriptor RunTimeSequence = Error("SN0015", "Run-time sequence length not supported here",
        "{0} cannot take the built-in Seq dimension (a sequence length known only at run time) yet{1}: declare the padded sequence length as a dimension ([Dim(14)] public partial struct Steps;) and pass each example's length to the recurrent layer (Gru1(x, lengths: lengths))", Declarations);

    // ---- shapes ------------------------------------------------------------------------------
    public static readonly DiagnosticDescriptor LinearInFeatures = Error("SN0101", "Linear input features differ",
        "{0} expects {1} input features, but {2} gives {3}", Shapes);

    public static readonly DiagnosticDescriptor CannotBroadcast = Error("SN0102", "Shapes cannot be broadcast",
        "'{0}' cannot broadcast {1} with {2}: {3}", Shapes);

    public static readonly DiagnosticDescriptor MatMulInner = Error("SN0103", "Matrix product dimensions differ",
        "'{0}' multiplies {1} by {2}: {3}", Shapes);

    public static readonly DiagnosticDescriptor ReshapeCount = Error("SN0104", "Reshape changes the element count",
        "'{0}' reshapes {1} ({2} elements) to [{3}] ({4} elements)", Shapes);

    public static readonly DiagnosticDescriptor AxisOutOfRange = Error("SN0105", "Axis out of range",
        "'{0}': axis {1} is out of range for a tensor of rank {2} {3}", Shapes);

    public static readonly DiagnosticDescriptor ConcatMismatch = Error("SN0106", "Concatenated shapes differ",
        "'{0}' cannot concatenate along axis {1}: {2}", Shapes);

    public static readonly DiagnosticDescriptor ReturnShape = Error("SN0107", "Returned shape differs from the declared one",
        "'{0}' is declared to return {1}, but '{2}' is {3}", Shapes);

    public static readonly DiagnosticDescriptor LossShapes = Error("SN0108", "Loss input and target do not fit",
        "'{0}': {1}", Shapes);

    public static readonly DiagnosticDescriptor ReshapeBatch = Error("SN0109", "Reshape cannot keep the batch",
        "'{0}': {1}", Shapes);

    public static readonly DiagnosticDescriptor RankMismatch = Error("SN0110", "Operand has the wrong rank",
        "'{0}' needs {1}, but '{2}' is {3}", Shapes);

    public static readonly DiagnosticDescriptor BlockInput = Error("SN0111", "Block input shape differs",
        "{0} expects {1} for '{2}', but '{3}' is {4}", Shapes);

    public static readonly DiagnosticDescriptor ConvInChannels = Error("SN0112", "Conv2d or BatchNorm2d input channels differ",
        "{0} expects {1} input channels, but {2} gives {3} (its shape is {4})", Shapes);

    public static readonly DiagnosticDescriptor PoolWindowTooLarge = Error("SN0113", "Pooling window larger than the padded input",
        "'{0}': the kernel {1} is larger than the padded input {2} {3} + 2·{4} = {5} ('{6}' is {7})", Shapes);

    public static readonly DiagnosticDescriptor PartitionSizes = Error("SN0117", "Chunk or Split sizes do not fit the axis",
        "'{0}' cannot cut axis {1} of {2} {3}: {4}", Shapes);

    public static readonly DiagnosticDescriptor TupleStructure = Error("SN0118", "Tuple used with another structure",
        "'{0}' gives {1}, but {2}", Shapes);

    public static readonly DiagnosticDescriptor TopKSize = Error("SN0119", "Top-k count out of range",
        "'{0}' asks for the top {1} along axis {2} of {3} {4}, which has {5}", Shapes);

    public static readonly DiagnosticDescriptor ConvOutputSize = Error("SN0114", "Convolution output size is not positive",
        "'{0}': the output {1} would be {2}, which is not positive ('{3}' is {4})", Shapes);

    public static readonly DiagnosticDescriptor SizeOverflow = Error("SN0115", "Size arithmetic overflows",
        "{0}'s {1} {2} overflows: sizes are 32-bit integers, at most 2,147,483,647", Shapes);

    public static readonly DiagnosticDescriptor TensorTooLarge = Error("SN0116", "Tensor larger than the plan's memory limit",
        "{0} is {1}: {2} elements without the batch, over the limit of {3} one tensor can hold", Shapes);

    public static readonly DiagnosticDescriptor RecurrentInputSize = Error("SN0120", "Recurrent input features differ",
        "{0} expects {1} input features per step, but '{2}' gives {3} (its shape is {4})", Shapes);

    public static readonly DiagnosticDescriptor RecurrentStateShape = Error("SN0121", "Hidden state has the wrong shape",
        "{0} expects {1} {2}, but '{3}' is {4}", Shapes);

    public static readonly DiagnosticDescriptor IntegerOperandExpected = Error("SN0122", "Integer ids expected",
        "{0} takes integer ids (an IntTensor) for '{1}', but '{2}' is a float tensor {3}", Shapes);

    public static readonly DiagnosticDescriptor FloatOperandExpected = Error("SN0123", "Integer tensor where floats belong",
        "{0} takes float tensors, but '{1}' is an IntTensor {2}: look its ids up with an Embedding layer or encode them with OneHot first", Shapes);

    public static readonly DiagnosticDescriptor IndexOutOfRange = Error("SN0124", "Index past the end of an axis",
        "'{0}': index {1} is outside [-{2}, {2}) along axis 0 of '{3}' {4}", Shapes);

    public static readonly DiagnosticDescriptor LoopCarriedShape = Error("SN0125", "Loop changes a carried variable's shape",
        "The loop '{0}' changes the shape of '{1}' from {2} to {3} in one step; a variable carried from one step to the next must keep its shape (grow a result along an axis with {1} = Concat([{1}, piece], axis) instead)", Shapes);

    // ---- constructs --------------------------------------------------------------------------
    public static readonly DiagnosticDescriptor UnsupportedStatement = Error("SN0201", "Statement cannot be compiled to a static graph",
        "The '{0}' statement cannot be compiled into a network's static graph: {1}", Constructs);

    public static readonly DiagnosticDescriptor Recursion = Error("SN0202", "Forward method calls itself",
        "'{0}' calls itself: a static graph cannot recurse; unroll the calls, or use a 'for' loop over a constant range", Constructs);

    public static readonly DiagnosticDescriptor UnknownCall = Error("SN0203", "Call is not an op or a layer",
        "'{0}' is not a ShapeNet op, a layer or a block of '{1}'; ops are the methods of ShapeNet.Ops (Relu, Softmax, MatMul, Sum, ...)", Constructs);

    public static readonly DiagnosticDescriptor NonConstantArgument = Error("SN0204", "Op argument is not a compile-time constant",
        "Argument '{0}' of {1} must be a compile-time constant (a literal or a const), but '{2}' is not", Constructs);

    public static readonly DiagnosticDescriptor WrongArguments = Error("SN0205", "Op called with the wrong arguments",
        "{0} cannot be called as '{1}': {2}", Constructs);

    public static readonly DiagnosticDescriptor UnsupportedExpression = Error("SN0206", "Expression cannot be compiled",
        "'{0}' cannot be compiled into a network's static graph: {1}", Constructs);

    public static readonly DiagnosticDescriptor UnrollTooLarge = Error("SN0207", "Unrolled loops too large",
        "The loop '{0}' unrolls to more than {1} {2} in total (nested loops count together); unroll fewer iterations or write a smaller body", Constructs);

    public static readonly DiagnosticDescriptor LoopCounterOverflow = Error("SN0208", "Loop counter overflows",
        "The loop '{0}' overflows its counter: after {1} the next value {2} is past {3}.MaxValue ({4}), so the loop would never end when run eagerly", Constructs);

    public static readonly DiagnosticDescriptor LoopBound = Error("SN0209", "Loop bound is not a dimension or a constant",
        "The loop '{0}' runs to '{1}', which is neither a constant nor a dimension's size: {2}", Constructs);

    public static readonly DiagnosticDescriptor LoopNotCompiled = Error("SN0210", "Loop body cannot be compiled to a loop",
        "The loop '{0}' cannot be compiled to a loop over its steps: {1}", Constructs);

    // ---- internal ----------------------------------------------------------------------------
    public static readonly DiagnosticDescriptor InternalError = Error("SN0900", "Internal generator error",
        "ShapeNet's generator failed on '{0}': {1}. This is a bug in ShapeNet; the network was not generated", Internal);

    public static readonly DiagnosticDescriptor MissingGradientRule = Error("SN0901", "No gradient rule for an op",
        "No gradient rule for '{0}' (op {1}); the network cannot be trained. This is a bug in ShapeNet", Internal);

    private static readonly System.Collections.Generic.Dictionary<string, DiagnosticDescriptor> ById = BuildIndex();

    public static DiagnosticDescriptor Get(string id) => ById[id];

    public static System.Collections.Generic.IEnumerable<DiagnosticDescriptor> All => ById.Values;

    private static System.Collections.Generic.Dictionary<string, DiagnosticDescriptor> BuildIndex()
    {
        var map = new System.Collections.Generic.Dictionary<string, DiagnosticDescriptor>();
        foreach (System.Reflection.FieldInfo f in typeof(DiagnosticDescriptors).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        {
            if (f.GetValue(null) is DiagnosticDescriptor d) map[d.Id] = d;
        }
        return map;
    }
}
