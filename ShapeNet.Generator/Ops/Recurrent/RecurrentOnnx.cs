using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShapeNet.Generator.Emit;

namespace ShapeNet.Generator.Ops;

/// <summary>
/// A PyTorch recurrent layer as ONNX's own <c>RNN</c>/<c>GRU</c>/<c>LSTM</c> node (one per layer; opset 14's <c>layout</c> is not
/// used, batch-first inputs are transposed). ONNX stacks the gates in another order (GRU z, r, h for PyTorch's r, z, n; LSTM
/// i, o, f, c for i, f, g, o), puts the directions in one tensor and both biases in one, so the exported graph rearranges
/// PyTorch's initializers with Gather (gate rows), Concat (directions, biases) and Reshape, keeping the initializers under
/// their PyTorch names (<c>gru.weight_ih_l0_reverse</c>); ONNX Runtime folds these constants when it loads the model. A GRU
/// sets <c>linear_before_reset</c>, which is PyTorch's n = tanh(W_in x + b_in + r ∘ (W_hn h + b_hn)).
/// </summary>
internal static class RecurrentOnnx
{
    public static string OpType(string mode) => mode switch { "Gru" => "GRU", "Lstm" => "LSTM", _ => "RNN" };

    /// <summary>PyTorch's gate blocks in ONNX's order.</summary>
    private static int[] GateOrder(string mode) => mode switch
    {
        "Gru" => new[] { 1, 0, 2 },
        "Lstm" => new[] { 0, 3, 1, 2 },
        _ => new[] { 0 },
    };

    /// <summary>One ONNX recurrent node over <paramref name="x"/> [Seq, Batch, inputs]: writes Y [Seq, D, Batch, H] to
    /// <paramref name="y"/> (empty: not wanted), Y_h [D, Batch, H] to <paramref name="yh"/> and, for an LSTM, Y_c to
    /// <paramref name="yc"/>. <paramref name="suffix"/> names the layer's parameters (<c>_l1</c>, or empty for a cell).</summary>
    public static void Node(OnnxContext o, string mode, int hidden, int directions, bool bias, string suffix, int inputs,
        string x, string h0, string c0, string lengths, string y, string yh, string yc)
    {
        int gates = GateOrder(mode).Length;
        string rows = o.Int64s("gate_rows" + suffix, GateOrder(mode).SelectMany(g => Enumerable.Range(g * hidden, hidden)).Select(i => (long)i).ToList());
        string w = Weights(o, "weight_ih", suffix, directions, gates * hidden, inputs, rows);
        string r = Weights(o, "weight_hh", suffix, directions, gates * hidden, hidden, rows);
        string b = bias ? Biases(o, suffix, directions, gates * hidden, rows) : string.Empty;

        var operands = new List<string> { x, w, r, b, lengths, h0 };
        if (mode == "Lstm") operands.Add(c0);
        while (operands[operands.Count - 1].Length == 0) operands.RemoveAt(operands.Count - 1);
        var outputs = new List<string> { y, yh };
        if (mode == "Lstm") outputs.Add(yc);
        var attributes = new List<OnnxAttr>
        {
            OnnxAttr.String("direction", directions == 2 ? "bidirectional" : "forward"),
            OnnxAttr.Int("hidden_size", hidden),
        };
        if (mode == "Gru") attributes.Add(OnnxAttr.Int("linear_before_reset", 1));
        if (mode == "RnnRelu") attributes.Insert(0, OnnxAttr.Strings("activations", Enumerable.Repeat("Relu", directions)));
        o.Op(OpType(mode), operands.ToArray(), outputs.ToArray(), attributes.ToArray());
    }

    /// <summary>[D, G·H, columns]: each direction's weight with its gate rows in ONNX's order, the directions stacked.</summary>
    private static string Weights(OnnxContext o, string kind, string suffix, int directions, int gateRows, int columns, string rows)
    {
        var parts = new List<string>();
        for (int d = 0; d < directions; d++) parts.Add(GatherRows(o, kind + suffix + (d == 1 ? "_reverse" : string.Empty), rows));
        return ReshapeTo(o, Join(o, parts, kind + suffix), kind + suffix, directions, gateRows, columns);
    }

    /// <summary>[D, 2·G·H]: per direction the input bias then the hidden bias, gate rows in ONNX's order.</summary>
    private static string Biases(OnnxContext o, string suffix, int directions, int gateRows, string rows)
    {
        var parts = new List<string>();
        for (int d = 0; d < directions; d++)
        {
            string reverse = d == 1 ? "_reverse" : string.Empty;
            parts.Add(GatherRows(o, "bias_ih" + suffix + reverse, rows));
            parts.Add(GatherRows(o, "bias_hh" + suffix + reverse, rows));
        }
        return ReshapeTo(o, Join(o, parts, "bias" + suffix), "bias" + suffix, directions, 2 * gateRows);
    }

    private static string GatherRows(OnnxContext o, string parameter, string rows)
    {
        string gathered = o.Temp(parameter + "_onnx_gates");
        o.Op("Gather", new[] { o.Parameter(parameter), rows }, new[] { gathered }, OnnxAttr.Int("axis", 0));
        return gathered;
    }

    private static string Join(OnnxContext o, List<string> parts, string what)
    {
        if (parts.Count == 1) return parts[0];
        string joined = o.Temp(what + "_joined");
        o.Op("Concat", parts.ToArray(), new[] { joined }, OnnxAttr.Int("axis", 0));
        return joined;
    }

    private static string ReshapeTo(OnnxContext o, string tensor, string what, params long[] shape)
    {
        string reshaped = o.Temp(what + "_onnx");
        o.Op("Reshape", new[] { tensor, o.Int64s(what + "_onnx_shape", shape) }, new[] { reshaped });
        return reshaped;
    }

    /// <summary>Reshape into <paramref name="output"/>; a size of 0 keeps the input's (ONNX's default), −1 is inferred (the batch).</summary>
    public static string Reshape(OnnxContext o, string tensor, string output, params long[] shape)
    {
        o.Op("Reshape", new[] { tensor, o.Int64s("shape", shape) }, new[] { output });
        return output;
    }

    public static string Transpose(OnnxContext o, string tensor, string what, params int[] perm)
    {
        string transposed = o.Temp(what);
        o.Op("Transpose", new[] { tensor }, new[] { transposed }, OnnxAttr.Ints("perm", perm));
        return transposed;
    }

    public static string L(int layer) => "_l" + layer.ToString(CultureInfo.InvariantCulture);
}
