using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Parsing;

/// <summary>
/// Reads the body of a <c>[Forward]</c> or <c>[Differentiable]</c> method into SSA nodes in evaluation order:
/// locals and assignments rebind names, each call or operator is one node. Constructs a static graph cannot
/// take are reported (SN02xx) with what to write instead; parsing goes on so every error shows at once.
/// </summary>
internal sealed class BodyParser
{
    private const int MaxUnrolledIterations = 1024;
    /// <summary>The most loop iterations unrolled in one body, all loops together (a nest of loops multiplies).</summary>
    private const int MaxTotalIterations = 16384;
    /// <summary>The most nodes one body may hold after unrolling: this keeps the generator's time and the generated code
    /// proportional to what the user wrote, whatever the loop nest.</summary>
    private const int MaxNodes = 16384;

    private readonly ParseContext _context;
    private readonly SemanticModel _model;
    private readonly IReadOnlyDictionary<string, LayerModel> _layers;
    private readonly string _ownerName;
    private readonly IMethodSymbol _method;
    private readonly IReadOnlyDictionary<string, Dim> _substitution;
    private readonly List<Node> _nodes = new();
    /// <summary>Locals and parameters bound to values: handles into <see cref="_values"/>.</summary>
    private readonly Dictionary<string, int> _locals = new();
    /// <summary>Every value made so far (a node's output); expressions return handles into this list, −1 for a failure.</summary>
    private readonly List<ValueRef> _values = new();
    private readonly Dictionary<string, double> _loopConstants = new();
    /// <summary>Parameters and locals whose value failed to parse (already reported): uses of them are skipped silently.</summary>
    private readonly HashSet<string> _failedNames = new();
    private int _output = -1;
    /// <summary>Iterations unrolled so far in this body (every loop, nested ones included).</summary>
    private int _unrolledIterations;
    /// <summary>Set once SN0207 was reported: every enclosing loop stops unrolling.</summary>
    private bool _unrollExhausted;
    private bool _returned;
    private bool _failed;

    public BodyParser(ParseContext context, IMethodSymbol method, string ownerName,
        IReadOnlyDictionary<string, LayerModel> layers, IReadOnlyDictionary<string, Dim> substitution)
    {
        _context = context;
        _method = method;
        _ownerName = ownerName;
        _layers = layers;
        _substitution = substitution;
        _model = context.ModelFor(method.DeclaringSyntaxReferences[0].GetSyntax(context.CancellationToken));
    }

    /// <summary>The graph, or null when the signature or body had errors (already reported).</summary>
    public GraphModel? Parse(MethodDeclarationSyntax declaration)
    {
        var inputs = new List<GraphInput>();
        for (int i = 0; i < _method.Parameters.Length; i++)
        {
            IParameterSymbol p = _method.Parameters[i];
            SourceRef? location = _context.At(p.Locations.FirstOrDefault());
            Shape? shape = _context.ResolveTensorShape(p.Type, _substitution, location, out bool isTensor, out bool isInteger);
            if (shape is null)
            {
                if (!isTensor || p.Type is INamedTypeSymbol { TypeArguments.Length: 0 })
                    _context.Report(DiagnosticDescriptors.InputNotTyped, location, "Parameter '" + p.Name + "'", _method.Name, p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
                _failed = true;
                _failedNames.Add(p.Name);
                continue;
            }
            inputs.Add(new GraphInput(p.Name, shape, p.Type.ToDisplayString(ParseContext.FullyQualified), location, isInteger));
            int id = Add(NodeKind.Input, p.Name, new int[0], new InputArgs(i, isInteger), p.Name, location);
            _locals[p.Name] = id;
        }

        var declaredReturns = new List<DeclaredReturn>();
        OutputTree? declaredStructure = ReturnTypeTree(_method.ReturnType, _context.At(declaration.ReturnType), declaredReturns);
        if (declaredStructure is null)
        {
            _context.Report(DiagnosticDescriptors.InputNotTyped, _context.At(declaration.ReturnType), "The return value", _method.Name,
                _method.ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
            _failed = true;
        }

        if (declaration.ExpressionBody is { } arrow)
        {
            Return(arrow.Expression);
        }
        else if (declaration.Body is { } body)
        {
            Statement(body);
        }

        if (_failed || _output < 0 || _outputs.Any(o => o < 0)) return null;
        if (declaredStructure is not null && !SameStructure(declaredStructure, _returnStructure))
        {
            _context.Report(DiagnosticDescriptors.TupleStructure, _context.At((SyntaxNode?)_returnSyntax ?? declaration.Identifier.Parent), _returnText,
                _returnStructure.Describe(), $"{_method.Name} declares its return type as {declaredStructure.Describe()}");
            return null;
        }
        return new GraphModel(_method.Name, _method.IsStatic, _method.TypeParameters.Select(t => t.Name).ToEquatableArray(),
            inputs.ToEquatableArray(), declaredReturns.ToEquatableArray(),
            _method.ReturnType.ToDisplayString(ParseContext.FullyQualified), _nodes.ToEquatableArray(), _outputs.Select(o => _values[o]).ToEquatableArray(),
            _returnStructure, _context.At(declaration.Identifier.GetLocation()));
    }

    /// <summary>The declared return type's tensors (in order, into <paramref name="returns"/>) and tuple structure: a tensor, or a
    /// (nested) tuple of tensors (<c>(Tensor&lt;Batch, H&gt; Output, Tensor&lt;Batch, H&gt; Hidden)</c>); null when something else.</summary>
    private OutputTree? ReturnTypeTree(ITypeSymbol type, SourceRef? location, List<DeclaredReturn> returns)
    {
        if (type is INamedTypeSymbol { IsTupleType: true } tuple)
        {
            var items = new List<OutputTree>();
            foreach (IFieldSymbol element in tuple.TupleElements)
            {
                OutputTree? item = ReturnTypeTree(element.Type, location, returns);
                if (item is null) return null;
                items.Add(item);
            }
            return OutputTree.Tuple(items.ToArray());
        }
        Shape? shape = _context.ResolveTensorShape(type, _substitution, location, out bool isTensor);
        if (!isTensor) return null;
        returns.Add(new DeclaredReturn(shape, type.ToDisplayString(ParseContext.FullyQualified)));
        return OutputTree.Leaf(returns.Count - 1);
    }

    private static bool SameStructure(OutputTree a, OutputTree b) =>
        a.IsLeaf == b.IsLeaf && (a.IsLeaf || a.Items.Count == b.Items.Count && a.Items.Zip(b.Items, SameStructure).All(same => same));

    /// <summary>The returned values' handles (<see cref="_output"/> is the first): one, or the leaves of a returned tuple in order.</summary>
    private readonly List<int> _outputs = new();
    private OutputTree _returnStructure = OutputTree.Single;
    private ExpressionSyntax? _returnSyntax;
    private string _returnText = string.Empty;

    /// <summary>The returned expression: one tensor, or a tuple literal of tensors (<c>return (output, (h, c));</c>), whose
    /// leaves become the graph's outputs in order.</summary>
    private void Return(ExpressionSyntax expression)
    {
        _returnSyntax = expression;
        _returnText = ParseContext.TextOf(expression);
        _outputs.Clear();
        _returnStructure = ReturnTree(expression);
        _output = _outputs.Count > 0 ? _outputs[0] : -1;
    }

    private OutputTree ReturnTree(ExpressionSyntax expression)
    {
        while (expression is ParenthesizedExpressionSyntax p) expression = p.Expression;
        if (expression is TupleExpressionSyntax tuple)
            return OutputTree.Tuple(tuple.Arguments.Select(a => ReturnTree(a.Expression)).ToArray());
        _outputs.Add(Expression(expression));
        return OutputTree.Leaf(_outputs.Count - 1);
    }

    // ---- statements ----------------------------------------------------------------------------

    private void Statement(StatementSyntax statement)
    {
        if (_returned) return;
        _context.CancellationToken.ThrowIfCancellationRequested();
        switch (statement)
        {
            case BlockSyntax block:
                foreach (StatementSyntax s in block.Statements) Statement(s);
                break;
            case EmptyStatementSyntax:
                break;
            case LocalDeclarationStatementSyntax local:
                // A const or a number (int axis = 1) is not a tensor: it is read where an op takes it as an argument
                // (a const is a compile-time constant there; anything else is SN0204).
                if (local.IsConst || _model.GetTypeInfo(local.Declaration.Type, _context.CancellationToken).Type is { SpecialType: not SpecialType.None })
                    break;
                foreach (VariableDeclaratorSyntax v in local.Declaration.Variables)
                {
                    if (v.Initializer is null) continue;
                    int id = Expression(v.Initializer.Value);
                    Bind(v.Identifier.ValueText, id);
                }
                break;
            case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: DeclarationExpressionSyntax or TupleExpressionSyntax } deconstruction }:
                Deconstruction(deconstruction);
                break;
            case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment }:
                Assignment(assignment);
                break;
            case ReturnStatementSyntax ret:
                if (ret.Expression is not null) Return(ret.Expression);
                _returned = true;
                break;
            case ForStatementSyntax loop:
                For(loop);
                break;
            case WhileStatementSyntax:
                Unsupported(statement, "while", "a loop whose count depends on tensor values has no static graph; use a 'for' loop over a constant range (for (int i = 0; i < 3; i++)), or run the loop eagerly outside the network");
                break;
            case DoStatementSyntax:
                Unsupported(statement, "do", "a loop whose count depends on tensor values has no static graph; use a 'for' loop over a constant range, or run the loop eagerly outside the network");
                break;
            case ForEachStatementSyntax:
                Unsupported(statement, "foreach", "iterate with a 'for' loop over a constant range instead");
                break;
            case IfStatementSyntax:
                Unsupported(statement, "if", "a static graph cannot branch; select with arithmetic (mask * a + (1 - mask) * b), or branch in C# around the call of the network");
                break;
            case SwitchStatementSyntax:
                Unsupported(statement, "switch", "a static graph cannot branch; branch in C# around the call of the network");
                break;
            case LocalFunctionStatementSyntax:
                Unsupported(statement, "local function", "write the function as a [Network] block used as a layer, or inline it");
                break;
            default:
                Unsupported(statement, statement.Kind().ToString().Replace("Statement", string.Empty).ToLowerInvariant(),
                    "a forward body may declare locals, assign them, loop with 'for' over a constant range and return");
                break;
        }
    }

    private void Unsupported(StatementSyntax statement, string keyword, string advice)
    {
        _failed = true;
        SyntaxToken first = statement.GetFirstToken();
        _context.Report(DiagnosticDescriptors.UnsupportedStatement, _context.At(first.GetLocation()), keyword, advice);
    }

    private void Assignment(AssignmentExpressionSyntax assignment)
    {
        if (assignment.Left is not IdentifierNameSyntax target || !_locals.ContainsKey(target.Identifier.ValueText) && assignment.Kind() != SyntaxKind.SimpleAssignmentExpression)
        {
            Fail(assignment.Left, "only local variables can be assigned in a forward body");
            return;
        }
        string name = target.Identifier.ValueText;
        string? op = assignment.Kind() switch
        {
            SyntaxKind.SimpleAssignmentExpression => null,
            SyntaxKind.AddAssignmentExpression => nameof(Ops.Add),
            SyntaxKind.SubtractAssignmentExpression => nameof(Ops.Sub),
            SyntaxKind.MultiplyAssignmentExpression => nameof(Ops.Mul),
            SyntaxKind.DivideAssignmentExpression => nameof(Ops.Div),
            _ => "?",
        };
        if (op == "?")
        {
            Fail(assignment, "only =, +=, -=, *= and /= are supported");
            return;
        }
        int value = op is null
            ? Expression(assignment.Right)
            : Arithmetic(op, assignment, assignment.Left, assignment.Right);
        Bind(name, value);
    }

    /// <summary>
    /// <c>var (a, b) = Chunk(x, 2, 1);</c>, <c>var (y, (h, c)) = Lstm(x);</c>, <c>(a, b) = Block.Forward(x);</c>: the call's node
    /// records the pattern (inference checks it against the tuple the call returns, SN0118) and each named leaf is bound to
    /// that output of the node (<c>_</c> discards one).
    /// </summary>
    private void Deconstruction(AssignmentExpressionSyntax assignment)
    {
        if (!assignment.IsKind(SyntaxKind.SimpleAssignmentExpression))
        {
            Fail(assignment, "a tuple is deconstructed with '=': var (a, b) = Chunk(x, 2, 1);");
            return;
        }
        TuplePattern? pattern = Pattern(assignment.Left);
        if (pattern is null) return;
        ExpressionSyntax right = assignment.Right;
        while (right is ParenthesizedExpressionSyntax p) right = p.Expression;
        int before = _nodes.Count;
        int handle = right is InvocationExpressionSyntax invocation ? Invocation(invocation)
            : Fail(right, "only a call that returns a tuple can be deconstructed: an op (Chunk, Split, TopK), a layer or a block's forward");
        string[] leaves = pattern.Leaves().ToArray();
        if (handle < 0)
        {
            foreach (string name in leaves) if (name != "_") Bind(name, -1);
            return;
        }
        ValueRef made = _values[handle];
        if (made.Node < before || made.Output != 0)
        {
            // The call made no new node (a reshape of a local is the local): it is one tensor, not a tuple.
            _failed = true;
            _context.Report(DiagnosticDescriptors.TupleStructure, _context.At(right), ParseContext.TextOf(right), "tensor",
                "it is deconstructed as " + pattern.Describe());
            foreach (string name in leaves) if (name != "_") Bind(name, -1);
            return;
        }
        _nodes[made.Node] = _nodes[made.Node] with { Deconstruction = pattern };
        for (int j = 0; j < leaves.Length; j++)
        {
            if (leaves[j] == "_") continue;
            _values.Add(new ValueRef(made.Node, j));
            Bind(leaves[j], _values.Count - 1);
        }
    }

    /// <summary>The tuple pattern of a deconstruction's left side, or null after reporting what is not a local.</summary>
    private TuplePattern? Pattern(ExpressionSyntax left)
    {
        switch (left)
        {
            case DeclarationExpressionSyntax { Designation: var designation }:
                if (Pattern(designation) is { } declared) return declared;
                Fail(left, "only locals (a, var b) and discards (_) can receive a deconstructed tensor");
                return null;
            case TupleExpressionSyntax tuple:
                var items = new List<TuplePattern>();
                foreach (ArgumentSyntax argument in tuple.Arguments)
                {
                    TuplePattern? item = Pattern(argument.Expression);
                    if (item is null) return null;
                    items.Add(item);
                }
                return new TuplePattern(string.Empty, items.ToEquatableArray());
            case IdentifierNameSyntax id:
                return new TuplePattern(id.Identifier.Text, EquatableArray<TuplePattern>.Empty);
            default:
                Fail(left, "only locals (a, var b) and discards (_) can receive a deconstructed tensor");
                return null;
        }
    }

    private static TuplePattern? Pattern(VariableDesignationSyntax designation) => designation switch
    {
        SingleVariableDesignationSyntax single => new TuplePattern(single.Identifier.Text, EquatableArray<TuplePattern>.Empty),
        DiscardDesignationSyntax => new TuplePattern("_", EquatableArray<TuplePattern>.Empty),
        ParenthesizedVariableDesignationSyntax nested => nested.Variables.Select(Pattern).Any(p => p is null)
            ? null
            : new TuplePattern(string.Empty, nested.Variables.Select(v => Pattern(v)!).ToEquatableArray()),
        _ => null,
    };

    /// <summary>Binds a local to a node, or marks it failed so that its uses do not report again.</summary>
    private void Bind(string name, int id)
    {
        if (id >= 0)
        {
            _locals[name] = id;
            _failedNames.Remove(name);
        }
        else
        {
            _locals.Remove(name);
            _failedNames.Add(name);
        }
    }

    /// <summary>A <c>for (int i = A; i &lt; B; i++)</c> whose bound B is a constant or a dimension's size (<c>Steps.Size</c>; SN0209
    /// otherwise). A cell carried over the steps of a sequence (<c>h = Cell(x[t], h);</c>, <see cref="CellLoop"/>) compiles to one
    /// loop over time; any other body is unrolled, <c>i</c> a constant inside.</summary>
    private void For(ForStatementSyntax loop)
    {
        const string advice = "only 'for (int i = A; i < B; i++)' with constant A and B (or <=, i += k) can be unrolled";
        if (loop.Declaration is not { Variables.Count: 1 } declaration
            || declaration.Variables[0].Initializer is null
            || !TryConstant(declaration.Variables[0].Initializer!.Value, out double start)
            || loop.Condition is not BinaryExpressionSyntax condition
            || condition.Left is not IdentifierNameSyntax conditionVariable
            || conditionVariable.Identifier.ValueText != declaration.Variables[0].Identifier.ValueText
            || loop.Incrementors.Count != 1
            || !TryStep(loop.Incrementors[0], declaration.Variables[0].Identifier.ValueText, out double step)
            || step <= 0)
        {
            Unsupported(loop, "for", advice);
            return;
        }
        string variable = declaration.Variables[0].Identifier.ValueText;
        bool inclusive = condition.IsKind(SyntaxKind.LessThanOrEqualExpression);
        if (!inclusive && !condition.IsKind(SyntaxKind.LessThanExpression))
        {
            Unsupported(loop, "for", advice);
            return;
        }
        // t < x.Size(0): the length of a sequence, known at run time for Seq; only a cell carried over x's steps can loop to it.
        if (SequenceLength(condition.Right) is { } measured)
        {
            if (inclusive || _unrollExhausted || CellLoop(loop, variable, start, CellLoopOverSequence, step, inclusive: false, measured)) return;
            _failed = true;
            _context.Report(DiagnosticDescriptors.LoopBound, _context.At(condition.Right), LoopHeader(loop), ParseContext.TextOf(condition.Right),
                $"a loop to a tensor's length compiles only as a cell carried over that tensor's steps (h = Cell({measured}[t], h); or " +
                $"(h, c) = Cell({measured}[t], (h, c));); loop to a constant or a dimension's size (t < Steps.Size) to unroll any other body");
            return;
        }
        if (!LoopBound(loop, condition.Right, out double bound)) return;
        if (_unrollExhausted) return;
        if (CounterOverflow(loop, declaration, start, bound, step, inclusive)) return;
        if (CellLoop(loop, variable, start, bound, step, inclusive)) return;
        int iterations = 0;
        for (double i = start; inclusive ? i <= bound : i < bound; i += step)
        {
            if (++iterations > MaxUnrolledIterations)
            {
                Unsupported(loop, "for", $"at most {MaxUnrolledIterations} iterations are unrolled");
                return;
            }
            if (++_unrolledIterations > MaxTotalIterations || _nodes.Count > MaxNodes)
            {
                bool nodes = _nodes.Count > MaxNodes;
                _context.Report(DiagnosticDescriptors.UnrollTooLarge, _context.At(loop.ForKeyword.GetLocation()), LoopHeader(loop),
                    (nodes ? MaxNodes : MaxTotalIterations).ToString("N0", CultureInfo.InvariantCulture), nodes ? "graph nodes" : "iterations");
                _failed = true;
                _unrollExhausted = true;
                break;
            }
            _loopConstants[variable] = i;
            Statement(loop.Statement);
            if (_returned || _unrollExhausted) break;
        }
        _loopConstants.Remove(variable);
    }

    /// <summary>The loop's bound: a constant, or the size of a <c>[Dim]</c> (<c>t &lt; Steps.Size</c>). Anything else is SN0209: a
    /// count read from a tensor, a variable, or the run-time <c>Seq</c> (whose <c>Size</c> is not its length when the body runs eagerly).</summary>
    private bool LoopBound(ForStatementSyntax loop, ExpressionSyntax expression, out double bound)
    {
        if (TryConstant(expression, out bound)) return true;
        string why = "loop to a constant (t < 7) or to a dimension's size (t < Steps.Size for [Dim(7)] public partial struct Steps;)";
        if (expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Size" } access && IsFromThisTree(access)
            && _model.GetSymbolInfo(access.Expression, _context.CancellationToken).Symbol is INamedTypeSymbol type)
        {
            if (type.ToDisplayString() == ParseContext.SeqName)
            {
                why = "the run-time Seq has no size in C# (Seq.Size is IDim.Dynamic when the body runs eagerly), so loop to the sequence's length " +
                      "(for (int t = 0; t < x.Size(0); t++) h = Cell(x[t], h);) or to a dimension's size (t < Steps.Size)";
            }
            else if (type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ParseContext.DimAttributeName) is { } dim
                && dim.ConstructorArguments.Length == 1 && dim.ConstructorArguments[0].Value is int size)
            {
                bound = size;
                return true;
            }
        }
        _failed = true;
        _context.Report(DiagnosticDescriptors.LoopBound, _context.At(expression), LoopHeader(loop), ParseContext.TextOf(expression), why);
        return false;
    }

    /// <summary>The steps of a cell loop to a sequence's length (<c>t &lt; x.Size(0)</c>): the whole first axis of the sequence,
    /// static or the run-time <c>Seq</c> (<see cref="CellArgs.Steps"/> = −1 until shape inference knows it).</summary>
    private const double CellLoopOverSequence = -1;

    /// <summary>The tensor local <c>x</c> of a bound <c>x.Size(0)</c>, or null.</summary>
    private string? SequenceLength(ExpressionSyntax expression) =>
        expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Size", Expression: IdentifierNameSyntax tensor } } call
        && call.ArgumentList.Arguments.Count == 1 && TryConstant(call.ArgumentList.Arguments[0].Expression, out double axis) && axis == 0
        && _locals.ContainsKey(tensor.Identifier.ValueText)
            ? tensor.Identifier.ValueText
            : null;

    /// <summary>
    /// Lecture 12a's loop, <c>for (int t = 0; t &lt; Steps.Size; t++) h = Cell(x[t], h);</c> with an RNN or GRU cell (or
    /// <c>(h, c) = Cell(x[t], (h, c));</c> with an LSTM cell): one node, the cell
    /// run over the first steps of <c>x</c> [T, Batch, In] from <c>h</c>, whose result is the state after the last step. It compiles to
    /// one backend call that loops over time (the same kernel as a one-layer recurrent layer: the input projections of all steps
    /// in one GEMM, the recurrent GEMM per step), and its backward runs back through time, instead of one copy of the cell per step.
    /// Any other loop body is unrolled.
    /// </summary>
    private bool CellLoop(ForStatementSyntax loop, string variable, double start, double bound, double step, bool inclusive, string? measured = null)
    {
        StatementSyntax body = loop.Statement is BlockSyntax { Statements.Count: 1 } block ? block.Statements[0] : loop.Statement;
        if (start != 0 || step != 1) return false;
        if (body is not ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment } || !assignment.IsKind(SyntaxKind.SimpleAssignmentExpression))
            return false;
        // The carried state: h, or (h, c) for an LSTM cell; the same locals on both sides.
        string[]? targets = StateNames(assignment.Left);
        if (targets is null || targets.Any(t => !_locals.ContainsKey(t))) return false;
        if (assignment.Right is not InvocationExpressionSyntax { Expression: IdentifierNameSyntax callee } call) return false;
        if (!_layers.TryGetValue(callee.Identifier.ValueText, out LayerModel? layer) || layer.IsBlock
            || OpRegistry.Layer(layer.Kind) is not RecurrentCellDefinition || layer.Args is not CellArgs cell || cell.IsLstm != (targets.Length == 2)) return false;
        SeparatedSyntaxList<ArgumentSyntax> arguments = call.ArgumentList.Arguments;
        if (arguments.Count != 2 || arguments.Any(a => a.NameColon is not null)) return false;
        if (arguments[0].Expression is not ElementAccessExpressionSyntax { Expression: IdentifierNameSyntax sequence } element
            || element.ArgumentList.Arguments.Count != 1
            || element.ArgumentList.Arguments[0].Expression is not IdentifierNameSyntax index || index.Identifier.ValueText != variable)
            return false;
        if (StateNames(arguments[1].Expression) is not { } carried || !carried.SequenceEqual(targets)) return false;
        if (!_locals.TryGetValue(sequence.Identifier.ValueText, out int x)) return false;
        if (measured is not null && measured != sequence.Identifier.ValueText) return false;
        double count = measured is not null ? CellLoopOverSequence : System.Math.Ceiling(inclusive ? bound + 1 : bound);
        if (measured is null && (count < 1 || count > int.MaxValue)) return false;
        string text = LoopHeader(loop) + " " + ParseContext.TextOf(body).TrimEnd(';');
        int[] operands = new[] { x }.Concat(targets.Select(t => _locals[t])).ToArray();
        int[] slots = new[] { 0 }.Concat(targets.Select(_ => 1)).ToArray();
        int node = Add(NodeKind.Layer, callee.Identifier.ValueText, operands, new LayerCallArgs(slots.ToEquatableArray(), (int)count), text, _context.At(call));
        if (targets.Length == 1)
        {
            Bind(targets[0], node);
            return true;
        }
        // (h, c): the node's two outputs, deconstructed as written.
        int made = _values[node].Node;
        _nodes[made] = _nodes[made] with
        {
            Deconstruction = new TuplePattern(string.Empty, targets.Select(t => new TuplePattern(t, EquatableArray<TuplePattern>.Empty)).ToEquatableArray()),
        };
        for (int j = 0; j < targets.Length; j++)
        {
            _values.Add(new ValueRef(made, j));
            Bind(targets[j], _values.Count - 1);
        }
        return true;
    }

    /// <summary><c>h</c> → [h]; <c>(h, c)</c> → [h, c]; null for anything else.</summary>
    private static string[]? StateNames(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax id => new[] { id.Identifier.ValueText },
        TupleExpressionSyntax { Arguments.Count: 2 } tuple when tuple.Arguments.All(a => a.Expression is IdentifierNameSyntax && a.NameColon is null) =>
            tuple.Arguments.Select(a => ((IdentifierNameSyntax)a.Expression).Identifier.ValueText).ToArray(),
        _ => null,
    };

    /// <summary>The loop's header as written, on one line: <c>for (int i = 0; i &lt; 1024; i++)</c>.</summary>
    private static string LoopHeader(ForStatementSyntax loop) =>
        ParseContext.TextOf(loop.WithStatement(SyntaxFactory.EmptyStatement())).TrimEnd(';').TrimEnd();

    /// <summary>SN0208 when the counter's next value after the last iteration is past its type's range: C# wraps it, so the
    /// eager loop never ends although the plan unrolls a finite count.</summary>
    private bool CounterOverflow(ForStatementSyntax loop, VariableDeclarationSyntax declaration, double start, double bound, double step, bool inclusive)
    {
        ITypeSymbol? type = _model.GetTypeInfo(declaration.Type, _context.CancellationToken).Type;
        (double max, string name) = type?.SpecialType switch
        {
            SpecialType.System_SByte => ((double)sbyte.MaxValue, "sbyte"),
            SpecialType.System_Byte => ((double)byte.MaxValue, "byte"),
            SpecialType.System_Int16 => ((double)short.MaxValue, "short"),
            SpecialType.System_UInt16 => ((double)ushort.MaxValue, "ushort"),
            SpecialType.System_Int32 => ((double)int.MaxValue, "int"),
            SpecialType.System_UInt32 => ((double)uint.MaxValue, "uint"),
            SpecialType.System_Int64 => ((double)long.MaxValue, "long"),
            SpecialType.System_UInt64 => ((double)ulong.MaxValue, "ulong"),
            _ => (double.PositiveInfinity, ""),
        };
        if (double.IsPositiveInfinity(max) || (inclusive ? start > bound : start >= bound)) return false;
        double count = System.Math.Floor((bound - start) / step) + 1;
        double last = start + (count - 1) * step;
        if (!inclusive && last >= bound) last -= step;
        double next = last + step;
        if (next <= max) return false;
        _context.Report(DiagnosticDescriptors.LoopCounterOverflow, _context.At(loop.ForKeyword.GetLocation()), LoopHeader(loop),
            N(last), N(next), name, N(max));
        _failed = true;
        return true;
    }

    private static string N(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static bool TryStep(ExpressionSyntax incrementor, string variable, out double step)
    {
        step = 0;
        switch (incrementor)
        {
            case PostfixUnaryExpressionSyntax { Operand: IdentifierNameSyntax id } p when id.Identifier.ValueText == variable && p.IsKind(SyntaxKind.PostIncrementExpression):
            case PrefixUnaryExpressionSyntax { Operand: IdentifierNameSyntax id2 } q when id2.Identifier.ValueText == variable && q.IsKind(SyntaxKind.PreIncrementExpression):
                step = 1;
                return true;
            case AssignmentExpressionSyntax { Left: IdentifierNameSyntax id3, Right: LiteralExpressionSyntax lit } a
                when id3.Identifier.ValueText == variable && a.IsKind(SyntaxKind.AddAssignmentExpression) && lit.Token.Value is int k:
                step = k;
                return true;
            default:
                return false;
        }
    }

    // ---- expressions ---------------------------------------------------------------------------

    /// <summary>Parses a tensor-valued expression; returns its node id, or −1 after reporting why not.</summary>
    private int Expression(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case ParenthesizedExpressionSyntax p:
                return Expression(p.Expression);
            case CastExpressionSyntax c:
                return Expression(c.Expression);
            case IdentifierNameSyntax id:
                if (_locals.TryGetValue(id.Identifier.ValueText, out int local)) return local;
                if (_failedNames.Contains(id.Identifier.ValueText)) return -1;
                if (TryConstant(id, out _)) return Fail(id, "a constant is not a tensor; combine it with a tensor (x * 2) or use an op");
                return Fail(id, "only the method's parameters and its locals are tensors here; pass other tensors as parameters or declare a layer");
            case InvocationExpressionSyntax invocation:
                return Invocation(invocation);
            case MemberAccessExpressionSyntax access:
                return TupleElement(access);
            case ElementAccessExpressionSyntax element:
                return ElementAccess(element);
            case BinaryExpressionSyntax binary:
                string? op = binary.Kind() switch
                {
                    SyntaxKind.AddExpression => nameof(Ops.Add),
                    SyntaxKind.SubtractExpression => nameof(Ops.Sub),
                    SyntaxKind.MultiplyExpression => nameof(Ops.Mul),
                    SyntaxKind.DivideExpression => nameof(Ops.Div),
                    _ => null,
                };
                if (op is null) return Fail(binary, $"the operator '{binary.OperatorToken.Text}' is not a tensor op; use +, -, * or /");
                return Arithmetic(op, binary, binary.Left, binary.Right);
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression):
                int operand = Expression(unary.Operand);
                return operand < 0 ? -1 : Add(NodeKind.Op, nameof(Ops.Neg), new[] { operand }, NoArgs.Value, ParseContext.TextOf(unary), _context.At(unary));
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryPlusExpression):
                return Expression(unary.Operand);
            case ConditionalExpressionSyntax:
                return Fail(expression, "a static graph cannot branch; select with arithmetic (mask * a + (1 - mask) * b)");
            default:
                return Fail(expression, "a forward body may use ops, layers, blocks, + - * / and locals");
        }
    }

    /// <summary>A + - * / between two tensors, or a tensor and a constant (the scalar ops).</summary>
    private int Arithmetic(string op, SyntaxNode whole, ExpressionSyntax left, ExpressionSyntax right)
    {
        string text = ParseContext.TextOf(whole);
        SourceRef? location = _context.At(whole);
        bool leftConstant = TryConstant(left, out double a);
        bool rightConstant = TryConstant(right, out double b);
        if (leftConstant && rightConstant) return Fail(whole, "both operands are constants; at least one must be a tensor");
        if (rightConstant)
        {
            int x = Expression(left);
            if (x < 0) return -1;
            return op switch
            {
                nameof(Ops.Add) => Scalar(nameof(Ops.AddScalar), x, b, text, location),
                nameof(Ops.Sub) => Scalar(nameof(Ops.AddScalar), x, -b, text, location),
                nameof(Ops.Mul) => Scalar(nameof(Ops.MulScalar), x, b, text, location),
                _ => Scalar(nameof(Ops.MulScalar), x, 1.0 / b, text, location),
            };
        }
        if (leftConstant)
        {
            int x = Expression(right);
            if (x < 0) return -1;
            return op switch
            {
                nameof(Ops.Add) => Scalar(nameof(Ops.AddScalar), x, a, text, location),
                nameof(Ops.Sub) => Scalar(nameof(Ops.RSubScalar), x, a, text, location),
                nameof(Ops.Mul) => Scalar(nameof(Ops.MulScalar), x, a, text, location),
                _ => Scalar(nameof(Ops.RDivScalar), x, a, text, location),
            };
        }
        int l = Expression(left);
        int r = Expression(right);
        if (l < 0 || r < 0) return -1;
        return Add(NodeKind.Op, op, new[] { l, r }, NoArgs.Value, text, location);
    }

    private int Scalar(string op, int input, double c, string text, SourceRef? location) =>
        Add(NodeKind.Op, op, new[] { input }, new ScalarArgs(c), text, location);

    private int Invocation(InvocationExpressionSyntax invocation)
    {
        string? name = null;
        string? blockMember = null;
        switch (invocation.Expression)
        {
            case IdentifierNameSyntax id:
                name = id.Identifier.ValueText;
                break;
            case MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } m:
                name = m.Name.Identifier.ValueText;
                break;
            case MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax owner, Name.Identifier.ValueText: "Forward" }
                when _layers.TryGetValue(owner.Identifier.ValueText, out LayerModel? block) && block.IsBlock:
                blockMember = owner.Identifier.ValueText;
                break;
            case MemberAccessExpressionSyntax m when IsOpsClass(m.Expression):
                name = m.Name.Identifier.ValueText;
                break;
        }

        if (blockMember is not null) return BlockCall(invocation, blockMember);
        if (IsRejectedLayer(invocation.Expression))
        {
            // The layer's declaration was rejected (SN0007, SN0008, SN0009, SN0012), and reported there.
            _failed = true;
            return -1;
        }
        if (name is null) return Fail(invocation, "call an op (Relu(x)), a layer (Fc1(x)) or a block's forward (Block1.Forward(x))");

        if (name == _method.Name && IsSelfCall(invocation))
        {
            _failed = true;
            _context.Report(DiagnosticDescriptors.Recursion, _context.At(invocation), _method.Name);
            return -1;
        }

        if (_layers.TryGetValue(name, out LayerModel? layer))
        {
            if (layer.IsBlock) return Fail(invocation, $"call a block through its forward method: {name}.Forward(...)");
            if (OpRegistry.Layer(layer.Kind) is { Operands.Count: > 1 } multi) return LayerCall(invocation, name, multi);
            int tensors = OpRegistry.Layer(layer.Kind)?.TensorInputs ?? 1;
            if (invocation.ArgumentList.Arguments.Count != tensors)
            {
                _failed = true;
                _context.Report(DiagnosticDescriptors.WrongArguments, _context.At(invocation), name, ParseContext.TextOf(invocation),
                    tensors == 1 ? "a layer takes one tensor" : $"the layer takes {tensors} tensors");
                return -1;
            }
            var inputs = new List<int>();
            foreach (ArgumentSyntax argument in invocation.ArgumentList.Arguments)
            {
                int input = Expression(argument.Expression);
                if (input < 0) return -1;
                inputs.Add(input);
            }
            return Add(NodeKind.Layer, name, inputs.ToArray(), NoArgs.Value, ParseContext.TextOf(invocation), _context.At(invocation));
        }

        if (OpRegistry.Calls(name) is { } overloads) return OpCall(invocation, name, overloads);

        _failed = true;
        _context.Report(DiagnosticDescriptors.UnknownCall, _context.At(invocation.Expression), name, _ownerName);
        return -1;
    }

    /// <summary>A call of a layer with optional operands (<c>Gru1(x)</c>, <c>Gru1(x, h0)</c>, <c>Gru1(x, lengths: lengths)</c>,
    /// <c>Lstm1(x, (h0, c0))</c>): each argument fills an operand slot by position or name; <c>null</c> leaves an optional one
    /// out; a slot of arity 2 takes a tuple. The node's operands are in slot order and its <see cref="LayerCallArgs"/> say which
    /// slot each fills.</summary>
    private int LayerCall(InvocationExpressionSyntax invocation, string name, ILayer layer)
    {
        string text = ParseContext.TextOf(invocation);
        string signature = name + "(" + string.Join(", ", layer.Operands.Select(o => (o.Arity == 2 ? "(h, c) " : string.Empty) + o.Name + (o.Required ? string.Empty : " = null"))) + ")";
        var given = new ExpressionSyntax?[layer.Operands.Count];
        int position = 0;
        foreach (ArgumentSyntax argument in invocation.ArgumentList.Arguments)
        {
            int slot = argument.NameColon is { } named
                ? layer.Operands.ToList().FindIndex(o => o.Name == named.Name.Identifier.Text)
                : position++;
            if (slot < 0 || slot >= given.Length || given[slot] is not null) return WrongLayerCall(invocation, name, text, "it takes " + signature);
            given[slot] = argument.Expression;
        }
        var operands = new List<int>();
        var slots = new List<int>();
        for (int slot = 0; slot < given.Length; slot++)
        {
            LayerOperand operand = layer.Operands[slot];
            ExpressionSyntax? expression = given[slot];
            if (expression is null || expression.IsKind(SyntaxKind.NullLiteralExpression) || expression.IsKind(SyntaxKind.DefaultLiteralExpression))
            {
                if (operand.Required) return WrongLayerCall(invocation, name, text, $"'{operand.Name}' is required: it takes {signature}");
                continue;
            }
            IReadOnlyList<ExpressionSyntax> parts = operand.Arity == 1 ? new[] { expression }
                : expression is TupleExpressionSyntax tuple && tuple.Arguments.Count == operand.Arity ? tuple.Arguments.Select(a => a.Expression).ToArray()
                : new ExpressionSyntax[0];
            if (parts.Count == 0) return WrongLayerCall(invocation, name, text, $"'{operand.Name}' is a tuple of {operand.Arity} tensors, (h, c): it takes {signature}");
            foreach (ExpressionSyntax part in parts)
            {
                int id = Expression(part);
                if (id < 0) return -1;
                operands.Add(id);
                slots.Add(slot);
            }
        }
        return Add(NodeKind.Layer, name, operands.ToArray(), new LayerCallArgs(slots.ToEquatableArray()), text, _context.At(invocation));
    }

    private int WrongLayerCall(InvocationExpressionSyntax invocation, string name, string text, string why)
    {
        _failed = true;
        _context.Report(DiagnosticDescriptors.WrongArguments, _context.At(invocation), name, text, why);
        return -1;
    }

    /// <summary><c>Gru1(x).HN</c>, <c>Lstm1(x).State.H</c>, <c>Cell(x, (h, c)).C</c>: one element of a layer call's tuple, by its C#
    /// name (or <c>ItemN</c>). The call becomes a node whose other elements are discarded.</summary>
    private int TupleElement(MemberAccessExpressionSyntax access)
    {
        var names = new List<string>();
        ExpressionSyntax target = access;
        while (target is MemberAccessExpressionSyntax m)
        {
            names.Insert(0, m.Name.Identifier.Text);
            target = m.Expression;
        }
        if (target is not InvocationExpressionSyntax { Expression: IdentifierNameSyntax callee } call
            || !_layers.TryGetValue(callee.Identifier.Text, out LayerModel? layer) || layer.IsBlock
            || OpRegistry.Layer(layer.Kind)?.ResultNames is not { } result)
            return Fail(access, "a forward body may use ops, layers, blocks, + - * / and locals; select an element of a recurrent layer's result by name (Gru1(x).HN)");

        // The leaf the names lead to, counted left to right.
        TuplePattern node = result;
        int leaf = 0;
        foreach (string name in names)
        {
            if (node.IsLeaf) return Fail(access, $"'{ParseContext.TextOf(access.Expression)}' is a tensor, it has no element '{name}'");
            int index = -1;
            for (int i = 0; i < node.Items.Count; i++)
                if (node.Items[i].Name == name || name == "Item" + (i + 1).ToString(CultureInfo.InvariantCulture)) index = i;
            if (index < 0)
                return Fail(access, $"{callee.Identifier.Text} returns {result.Describe()}; it has no element '{name}'");
            for (int i = 0; i < index; i++) leaf += node.Items[i].Leaves().Count();
            node = node.Items[index];
        }
        if (!node.IsLeaf) return Fail(access, $"'{ParseContext.TextOf(access)}' is the tuple {node.Describe()}; select one tensor of it ({ParseContext.TextOf(access)}.{node.Items[0].Name})");

        int handle = Invocation(call);
        if (handle < 0) return -1;
        int id = _values[handle].Node;
        string text = ParseContext.TextOf(access);
        int counter = 0;
        TuplePattern Keep(TuplePattern p) => p.IsLeaf
            ? new TuplePattern(counter++ == leaf ? text : "_", EquatableArray<TuplePattern>.Empty)
            : new TuplePattern(p.Name, p.Items.Select(Keep).ToEquatableArray());
        _nodes[id] = _nodes[id] with { Deconstruction = Keep(result) };
        _values.Add(new ValueRef(id, leaf));
        return _values.Count - 1;
    }

    /// <summary><c>x[i]</c> with a constant i: the slice along axis 0 (<see cref="Ops.Select"/>).</summary>
    private int ElementAccess(ElementAccessExpressionSyntax access)
    {
        if (access.ArgumentList.Arguments.Count != 1 || !TryConstant(access.ArgumentList.Arguments[0].Expression, out double index)
            || index != System.Math.Floor(index) || index < int.MinValue || index > int.MaxValue)
            return Fail(access, "index a tensor with one constant along its first axis (h[-1], x[t] in a 'for' over a constant range)");
        int x = Expression(access.Expression);
        if (x < 0) return -1;
        return Add(NodeKind.Op, nameof(Ops.Select), new[] { x }, new SelectArgs((int)index), ParseContext.TextOf(access), _context.At(access));
    }

    /// <summary>A call <c>Fc1(x)</c> or <c>Block1.Forward(x)</c> of a member declared as a layer or block whose
    /// declaration was rejected, so it is not among the parsed layers.</summary>
    private bool IsRejectedLayer(ExpressionSyntax callee)
    {
        string? member = callee switch
        {
            IdentifierNameSyntax id => id.Identifier.ValueText,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } m => m.Name.Identifier.ValueText,
            MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax owner, Name.Identifier.ValueText: "Forward" } => owner.Identifier.ValueText,
            _ => null,
        };
        if (member is null || _layers.ContainsKey(member)) return false;
        return _method.ContainingType.GetMembers(member).OfType<IPropertySymbol>().Any(p =>
            p.GetAttributes().Any(a => DerivesFrom(a.AttributeClass, ParseContext.LayerAttributeName))
            || p.Type.OriginalDefinition.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ParseContext.NetworkAttributeName));
    }

    private static bool DerivesFrom(INamedTypeSymbol? type, string baseName)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
            if (t.ToDisplayString() == baseName) return true;
        return false;
    }

    private bool IsSelfCall(InvocationExpressionSyntax invocation)
    {
        ISymbol? target = _model.GetSymbolInfo(invocation, _context.CancellationToken).Symbol
            ?? _model.GetSymbolInfo(invocation, _context.CancellationToken).CandidateSymbols.FirstOrDefault();
        return target is null || SymbolEqualityComparer.Default.Equals(target.OriginalDefinition, _method.OriginalDefinition);
    }

    private bool IsOpsClass(ExpressionSyntax expression)
    {
        ISymbol? symbol = _model.GetSymbolInfo(expression, _context.CancellationToken).Symbol;
        return symbol is INamedTypeSymbol t && t.ToDisplayString() is "ShapeNet.Ops" or "ShapeNet.Module";
    }

    private int BlockCall(InvocationExpressionSyntax invocation, string member)
    {
        var inputs = new List<int>();
        foreach (ArgumentSyntax arg in invocation.ArgumentList.Arguments)
        {
            int id = Expression(arg.Expression);
            if (id < 0) return -1;
            inputs.Add(id);
        }
        return Add(NodeKind.Block, member, inputs.ToArray(), NoArgs.Value, ParseContext.TextOf(invocation), _context.At(invocation));
    }

    private int OpCall(InvocationExpressionSyntax invocation, string name, IReadOnlyList<DslCall> overloads)
    {
        SeparatedSyntaxList<ArgumentSyntax> args = invocation.ArgumentList.Arguments;
        foreach (DslCall call in overloads)
        {
            if (!Match(call, args, out List<ExpressionSyntax> tensors, out Dictionary<string, List<ExpressionSyntax>> given)) continue;
            var operands = new List<int>();
            bool ok = true;
            foreach (ExpressionSyntax t in tensors)
            {
                int id = Expression(t);
                if (id < 0) ok = false;
                operands.Add(id);
            }
            var values = new Dictionary<string, object>();
            var lists = new HashSet<string>();
            foreach (DslParameter p in call.Parameters)
            {
                if (p.IsTensor) continue;
                if (!given.TryGetValue(p.Name, out List<ExpressionSyntax>? expressions))
                {
                    values[p.Name] = p.Default!;
                    continue;
                }
                object? value = ConstantArg(p, expressions, name);
                if (value is null) ok = false;
                else values[p.Name] = value;
                if (p.Kind == DslKind.Axes && expressions.Count == 1 && IsList(expressions[0])) lists.Add(p.Name);
            }
            if (!ok) return -1;
            return Add(NodeKind.Op, call.Op.Name, operands.ToArray(), call.Bind(new DslArguments(values, lists)), ParseContext.TextOf(invocation), _context.At(invocation));
        }

        _failed = true;
        string signatures = string.Join(" or ", overloads.Select(o => o.Signature));
        _context.Report(DiagnosticDescriptors.WrongArguments, _context.At(invocation), name, ParseContext.TextOf(invocation), "expected " + signatures);
        return -1;
    }

    /// <summary>Assigns call arguments to a call's tensor operands and named constants; false when they do not fit.</summary>
    private static bool Match(DslCall call, SeparatedSyntaxList<ArgumentSyntax> args, out List<ExpressionSyntax> tensors,
        out Dictionary<string, List<ExpressionSyntax>> values)
    {
        tensors = new List<ExpressionSyntax>();
        values = new Dictionary<string, List<ExpressionSyntax>>();
        var positional = args.Where(a => a.NameColon is null).Select(a => a.Expression).ToList();
        List<DslParameter> tensorParameters = call.Parameters.Where(p => p.IsTensor).ToList();
        List<DslParameter> constants = call.Parameters.Where(p => !p.IsTensor).ToList();
        int position = 0;
        foreach (DslParameter p in tensorParameters)
        {
            if (position >= positional.Count) return false;
            ExpressionSyntax argument = positional[position++];
            if (p.Kind == DslKind.Tensor)
            {
                tensors.Add(argument);
                continue;
            }
            IEnumerable<ExpressionSyntax>? elements = argument switch
            {
                CollectionExpressionSyntax c => c.Elements.OfType<ExpressionElementSyntax>().Select(e => e.Expression),
                ImplicitArrayCreationExpressionSyntax ia => ia.Initializer.Expressions,
                ArrayCreationExpressionSyntax ac when ac.Initializer is not null => ac.Initializer.Expressions,
                _ => null,
            };
            if (elements is null) return false;
            int before = tensors.Count;
            tensors.AddRange(elements);
            if (tensors.Count == before) return false;
        }

        int constant = 0;
        for (; position < positional.Count; position++)
        {
            if (constant >= constants.Count) return false;
            DslParameter p = constants[constant];
            if (!values.TryGetValue(p.Name, out List<ExpressionSyntax>? list)) values[p.Name] = list = new List<ExpressionSyntax>();
            list.Add(positional[position]);
            if (p.Kind != DslKind.IntList) constant++;
        }
        foreach (ArgumentSyntax named in args.Where(a => a.NameColon is not null))
        {
            string argName = named.NameColon!.Name.Identifier.ValueText;
            DslParameter? p = constants.FirstOrDefault(s => s.Name == argName);
            if (p is null || values.ContainsKey(argName)) return false;
            values[argName] = new List<ExpressionSyntax> { named.Expression };
        }
        foreach (DslParameter p in constants)
            if (p.Default is null && !values.ContainsKey(p.Name)) return false;
        return true;
    }

    /// <summary>Reads a compile-time argument (int, double, bool, string, int[] or a reduction); null after reporting SN0204.</summary>
    private object? ConstantArg(DslParameter parameter, List<ExpressionSyntax> given, string opName)
    {
        switch (parameter.Kind)
        {
            case DslKind.Int:
                return TryConstant(given[0], out double i) && i == System.Math.Floor(i) && i >= int.MinValue && i <= int.MaxValue
                    ? (int)i : NotConstant(parameter, given[0], opName);
            case DslKind.Double:
                return TryConstant(given[0], out double d) ? d : NotConstant(parameter, given[0], opName);
            case DslKind.Bool:
                Optional<object?> b = _model.GetConstantValue(given[0], _context.CancellationToken);
                return b.HasValue && b.Value is bool flag ? flag : NotConstant(parameter, given[0], opName);
            case DslKind.String:
                Optional<object?> text = _model.GetConstantValue(given[0], _context.CancellationToken);
                return text.HasValue && text.Value is string s ? s : NotConstant(parameter, given[0], opName);
            case DslKind.Reduction:
                Optional<object?> r = _model.GetConstantValue(given[0], _context.CancellationToken);
                return r.HasValue && r.Value is int ri && ri is 0 or 1 ? (LossReduction)ri : NotConstant(parameter, given[0], opName);
            case DslKind.Axes:
            case DslKind.IntList:
                var ints = new List<int>();
                foreach (ExpressionSyntax e in given)
                {
                    IEnumerable<ExpressionSyntax> items = e switch
                    {
                        CollectionExpressionSyntax c => c.Elements.OfType<ExpressionElementSyntax>().Select(x => x.Expression),
                        ImplicitArrayCreationExpressionSyntax ia => ia.Initializer.Expressions,
                        ArrayCreationExpressionSyntax ac when ac.Initializer is not null => ac.Initializer.Expressions,
                        _ => new[] { e },
                    };
                    foreach (ExpressionSyntax item in items)
                    {
                        if (opName == "Reshape" && TypedAxisSize(item) is int axisSize)
                        {
                            ints.Add(axisSize);
                            continue;
                        }
                        if (!TryConstant(item, out double v) || v != System.Math.Floor(v) || v < int.MinValue || v > int.MaxValue)
                            return NotConstant(parameter, item, opName);
                        ints.Add((int)v);
                    }
                }
                return ints.ToArray();
            default:
                return NotConstant(parameter, given[0], opName);
        }
    }

    /// <summary>A reshape's size read from a typed tensor, <c>x.Size(k)</c> with <c>x</c> a <c>Tensor&lt;Seq, Batch, H&gt;</c> or
    /// <c>IntTensor&lt;Seq, Batch&gt;</c> (PyTorch's <c>y.view(x.size(0), x.size(1), -1)</c>): a static axis's size, or
    /// <see cref="Ops.ReshapeArgs.BatchSize"/>/<see cref="Ops.ReshapeArgs.SeqSize"/> for a run-time one; null for anything else.
    /// The eager body reads the same sizes at run time.</summary>
    private int? TypedAxisSize(ExpressionSyntax expression)
    {
        if (expression is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Size" } access } call
            || call.ArgumentList.Arguments.Count != 1 || !IsFromThisTree(access)
            || !TryConstant(call.ArgumentList.Arguments[0].Expression, out double axisValue) || axisValue != System.Math.Floor(axisValue))
            return null;
        if (_model.GetTypeInfo(access.Expression, _context.CancellationToken).Type is not INamedTypeSymbol { IsGenericType: true } type
            || type.ContainingNamespace?.ToDisplayString() != "ShapeNet" || (type.Name != "Tensor" && type.Name != "IntTensor"))
            return null;
        int rank = type.TypeArguments.Length, axis = (int)axisValue;
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank) return null;
        ITypeSymbol dim = type.TypeArguments[axis];
        string name = dim.ToDisplayString();
        if (name == ParseContext.BatchName) return Ops.ReshapeArgs.BatchSize;
        if (name == ParseContext.SeqName) return Ops.ReshapeArgs.SeqSize;
        AttributeData? attribute = dim.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ParseContext.DimAttributeName);
        return attribute is { ConstructorArguments.Length: 1 } && attribute.ConstructorArguments[0].Value is int size && size > 0 ? size : null;
    }

    private static bool IsList(ExpressionSyntax e) =>
        e is CollectionExpressionSyntax or ImplicitArrayCreationExpressionSyntax or ArrayCreationExpressionSyntax;

    private object? NotConstant(DslParameter parameter, ExpressionSyntax expression, string opName)
    {
        _failed = true;
        _context.Report(DiagnosticDescriptors.NonConstantArgument, _context.At(expression), parameter.Name, opName, ParseContext.TextOf(expression));
        return null;
    }

    private bool TryConstant(ExpressionSyntax expression, out double value)
    {
        value = 0;
        if (expression is IdentifierNameSyntax id && _loopConstants.TryGetValue(id.Identifier.ValueText, out value)) return true;
        if (expression is PrefixUnaryExpressionSyntax neg && neg.IsKind(SyntaxKind.UnaryMinusExpression) && TryConstant(neg.Operand, out double inner))
        {
            value = -inner;
            return true;
        }
        if (expression is ParenthesizedExpressionSyntax paren) return TryConstant(paren.Expression, out value);
        if (expression is BinaryExpressionSyntax bin && (ContainsLoopConstant(bin)))
        {
            if (!TryConstant(bin.Left, out double l) || !TryConstant(bin.Right, out double r)) return false;
            switch (bin.Kind())
            {
                case SyntaxKind.AddExpression: value = l + r; return true;
                case SyntaxKind.SubtractExpression: value = l - r; return true;
                case SyntaxKind.MultiplyExpression: value = l * r; return true;
                case SyntaxKind.DivideExpression when r != 0: value = l / r; return true;
                default: return false;
            }
        }
        if (!IsFromThisTree(expression)) return false;
        Optional<object?> constant = _model.GetConstantValue(expression, _context.CancellationToken);
        if (!constant.HasValue) return false;
        switch (constant.Value)
        {
            case int i: value = i; return true;
            case long l2: value = l2; return true;
            case float f: value = f; return true;
            case double d: value = d; return true;
            case short s: value = s; return true;
            case byte by: value = by; return true;
            default: return false;
        }
    }

    private bool ContainsLoopConstant(SyntaxNode node) =>
        _loopConstants.Count > 0 && node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(i => _loopConstants.ContainsKey(i.Identifier.ValueText));

    private bool IsFromThisTree(SyntaxNode node) => node.SyntaxTree == _model.SyntaxTree;


    private int Fail(SyntaxNode node, string why)
    {
        _failed = true;
        _context.Report(DiagnosticDescriptors.UnsupportedExpression, _context.At(node), ParseContext.TextOf(node), why);
        return -1;
    }

    /// <summary>Adds a node with one result and returns the handle of that value.</summary>
    private int Add(NodeKind kind, string op, int[] inputs, OpArgs args, string text, SourceRef? location)
    {
        int id = _nodes.Count;
        _nodes.Add(new Node(id, kind, op, inputs.Select(h => _values[h]).ToEquatableArray(), args, text, location));
        _values.Add(ValueRef.Of(id));
        return _values.Count - 1;
    }
}
