using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ShapeNet.Generator.Model;
using ShapeNet.Generator.Ops;

namespace ShapeNet.Generator.Inference;

/// <summary>
/// What a shape rule sees: the operands' shapes and source texts, the call's text, the layer member's name (for layers),
/// and <see cref="Fail"/> to report the first problem at the call. Helpers check an axis, an [N, C, H, W] operand, and
/// describe a flattened operand for messages.
/// </summary>
internal sealed class ShapeContext
{
    private readonly IReadOnlyList<int> _operands;
    private readonly Func<int, CompiledValue> _value;
    private readonly Func<int, CompiledNode> _producer;
    private readonly Action<DiagnosticDescriptor, IReadOnlyList<DiagnosticProperty>, object[]> _report;

    public ShapeContext(string text, string member, IReadOnlyList<int> operands, Func<int, CompiledValue> value, Func<int, CompiledNode> producer,
        Action<DiagnosticDescriptor, IReadOnlyList<DiagnosticProperty>, object[]> report)
    {
        Text = text;
        Member = member;
        _operands = operands;
        _value = value;
        _producer = producer;
        _report = report;
    }

    /// <summary>The call's source text (<c>Softmax(h, 1)</c>).</summary>
    public string Text { get; }

    /// <summary>For a layer, its member name (<c>Fc1</c>); empty for ops.</summary>
    public string Member { get; }

    public int Count => _operands.Count;

    public Shape Shape(int operand) => _value(_operands[operand]).Shape;

    /// <summary>The operand's source text (<c>Flatten(h)</c>, <c>x</c>).</summary>
    public string OperandText(int operand) => _value(_operands[operand]).Text;

    /// <summary>Reports <paramref name="descriptor"/> at the call and returns <see cref="OpResult.Failure"/>.</summary>
    public OpResult Fail(DiagnosticDescriptor descriptor, params object[] arguments)
    {
        _report(descriptor, Array.Empty<DiagnosticProperty>(), arguments);
        return OpResult.Failure;
    }

    /// <summary>Reports <paramref name="descriptor"/> at the call with <paramref name="properties"/> for a code fix (the values
    /// the fix needs: keys in <see cref="DiagnosticProperties"/>) and returns <see cref="OpResult.Failure"/>.</summary>
    public OpResult Fail(DiagnosticDescriptor descriptor, IReadOnlyList<DiagnosticProperty> properties, params object[] arguments)
    {
        _report(descriptor, properties, arguments);
        return OpResult.Failure;
    }

    /// <summary>The properties that let a code fix change a layer's size argument: the layer, the attribute argument's
    /// position and the size inferred for it (SN0101, SN0112).</summary>
    public IReadOnlyList<DiagnosticProperty> LayerSizeFix(int argument, Dim actual)
    {
        var properties = new List<DiagnosticProperty>
        {
            new(DiagnosticProperties.Layer, Member),
            new(DiagnosticProperties.Argument, argument.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (actual.IsStatic) properties.Add(new(DiagnosticProperties.Size, actual.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return properties;
    }

    /// <summary>The feature count of operand <paramref name="operand"/> flattened from axis 1, when it has more than two axes and
    /// all after the first are static; else null.</summary>
    public long? FlattenedFeatures(int operand)
    {
        Shape shape = Shape(operand);
        if (shape.Rank <= 2) return null;
        long product = 1;
        for (int axis = 1; axis < shape.Rank; axis++)
        {
            if (!shape[axis].IsStatic) return null;
            product *= shape[axis].Size;
        }
        return product;
    }

    /// <summary>Normalises <paramref name="axis"/> (−1 is the last) for <paramref name="shape"/>; false after reporting SN0105.</summary>
    public bool TryAxis(Shape shape, int axis, out int normalized)
    {
        normalized = axis < 0 ? axis + shape.Rank : axis;
        if (normalized >= 0 && normalized < shape.Rank) return true;
        Fail(DiagnosticDescriptors.AxisOutOfRange, Text, axis, shape.Rank, shape.ToNamedString());
        return false;
    }

    /// <summary>Whether operand <paramref name="operand"/> is [N, C, H, W] with static C, H and W; false after SN0110.</summary>
    public bool IsNchw(int operand, string what = "an input")
    {
        Shape a = Shape(operand);
        if (a.Rank == 4 && a[1].IsStatic && a[2].IsStatic && a[3].IsStatic) return true;
        string need = a.Rank == 4 ? what + " [N, C, H, W] with static C, H and W" : what + " [N, C, H, W] of rank 4";
        Fail(DiagnosticDescriptors.RankMismatch, Text, need, OperandText(operand), a.ToNamedString());
        return false;
    }

    /// <summary><c>320 = 20 × 4 × 4 (h is [Batch, 20, 4, 4])</c> for a flattened operand, else <c>320 (its shape is [Batch, 320])</c>.</summary>
    public string DescribeLastAxis(int operand)
    {
        Shape shape = Shape(operand);
        Dim last = shape[shape.Rank - 1];
        CompiledNode producer = _producer(_operands[operand]);
        if (producer.Args is ReshapeArgs { FlattenFrom: int start } && producer.Inputs.Count == 1)
        {
            CompiledValue source = _value(producer.Inputs[0]);
            var factors = source.Shape.Dims.Skip(start < 0 ? start + source.Shape.Rank : start).Select(d => d.ToString()).ToList();
            if (factors.Count > 1)
                return $"{last} = {string.Join(" × ", factors)} ({FirstArgument(producer.Text) ?? source.Text} is {source.Shape.ToNamedString()})";
        }
        if (producer.Args is ConcatArgs concat && concat.Axis == shape.Rank - 1 && producer.Inputs.Count > 1)
        {
            // The classic mistake after a bidirectional layer: cat(h[-2], h[-1]) is 2·hidden wide.
            var parts = producer.Inputs.Select(_value).ToList();
            return $"{last} = {string.Join(" + ", parts.Select(p => p.Shape[p.Shape.Rank - 1].ToString()))} " +
                $"(it concatenates {string.Join(" and ", parts.Select(p => $"{p.Text} {p.Shape.ToNamedString()}"))})";
        }
        return $"{last} (its shape is {shape.ToNamedString()})";
    }

    /// <summary>The first argument of a call's text as written (<c>h</c> in <c>Flatten(h, 1)</c>), or null.</summary>
    private static string? FirstArgument(string call)
    {
        int open = call.IndexOf('(');
        if (open < 0 || !call.EndsWith(")")) return null;
        int depth = 0;
        for (int i = open + 1; i < call.Length - 1; i++)
        {
            char c = call[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth--;
            else if (c == ',' && depth == 0) return call.Substring(open + 1, i - open - 1).Trim();
        }
        string all = call.Substring(open + 1, call.Length - open - 2).Trim();
        return all.Length > 0 ? all : null;
    }
}
