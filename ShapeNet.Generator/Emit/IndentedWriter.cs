using System.Text;

namespace ShapeNet.Generator.Emit;

/// <summary>Writes indented C# text.</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public void Line(string text = "")
    {
        if (text.Length > 0) _text.Append(' ', _depth * 4).Append(text);
        _text.Append('\n');
    }

    public void Open()
    {
        Line("{");
        _depth++;
    }

    public void Close(string suffix = "")
    {
        _depth--;
        Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
