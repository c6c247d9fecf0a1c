using ShapeNet.Generator.Model;

namespace ShapeNet.Generator.Ops;

/// <summary>A compiled node as its definition sees it in the later stages: operand and output shapes and texts, the layer's
/// parameters and buffers by name.</summary>
internal class NodeInfo
{
    public NodeInfo(CompiledGraph graph, CompiledNode node)
    {
        Graph = graph;
        Node = node;
    }

    public CompiledGraph Graph { get; }

    public CompiledNode Node { get; }

    public int Id => Node.Id;

    /// <summary>The source text of the call (<c>MaxPool2d(Conv1(x), 2)</c>).</summary>
    public string Text => Node.Text;

    /// <summary>The layer's module path (<c>incep1.branch1x1</c>), empty for ops.</summary>
    public string Path => Node.Path;

    public int InputCount => Node.Inputs.Count;

    public int OutputCount => Node.Outputs.Count;

    /// <summary>The value id of operand <paramref name="i"/>.</summary>
    public int InputValue(int i) => Node.Inputs[i];

    /// <summary>The value id of output <paramref name="j"/>.</summary>
    public int OutputValue(int j) => Node.Outputs[j];

    public Shape InputShape(int i) => Graph.ShapeOf(Node.Inputs[i]);

    public string InputText(int i) => Graph.TextOf(Node.Inputs[i]);

    public Shape OutputShape(int j) => Graph.ShapeOf(Node.Outputs[j]);

    public string OutputText(int j) => Graph.TextOf(Node.Outputs[j]);

    /// <summary>The shape of output 0 (the only one of most ops).</summary>
    public Shape Shape => OutputShape(0);

    /// <summary>The index in <see cref="CompiledGraph.Parameters"/> of this layer's parameter <paramref name="name"/>
    /// (<c>weight</c>, <c>bias</c>), or −1 when the layer has none of that name (<c>Bias = false</c>).</summary>
    public int ParameterIndex(string name)
    {
        string full = Node.Path + "." + name;
        foreach (int p in Node.Parameters)
            if (Graph.Parameters[p].Name == full) return p;
        return -1;
    }

    public bool HasParameter(string name) => ParameterIndex(name) >= 0;

    public Shape ParameterShape(string name) => Graph.Parameters[ParameterIndex(name)].Shape;

    /// <summary>The index in <see cref="CompiledGraph.Buffers"/> of this layer's buffer <paramref name="name"/>, or −1.</summary>
    public int ModuleBufferIndex(string name)
    {
        string full = Node.Path + "." + name;
        foreach (int b in Node.Buffers)
            if (Graph.Buffers[b].Name == full) return b;
        return -1;
    }
}
