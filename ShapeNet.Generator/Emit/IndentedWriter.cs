using System;
using System.Text;

namespace ShapeNet.Generator.Emit;

/// <summary>Generated source as text: lines at the current indentation, blocks opened with <see cref="Block"/>.</summary>
internal sealed class IndentedWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _text = new();
    private int _depth;

    public void Line(string line)
    {
        if (line.Length > 0)
        {
            for (int i = 0; i < _depth; i++) _text.Append(IndentUnit);
            _text.Append(line);
        }
        _text.Append('\n');
    }

    public void Line() => _text.Append('\n');

    /// <summary>Writes <paramref name="header"/> and <c>{</c>; disposing the result writes <c>}</c> (with <paramref name="closingSuffix"/>).</summary>
    public BlockScope Block(string header, string closingSuffix = "")
    {
        Line(header);
        Line("{");
        _depth++;
        return new BlockScope(this, closingSuffix);
    }

    public void Indent() => _depth++;

    public void Outdent() => _depth = Math.Max(0, _depth - 1);

    public override string ToString() => _text.ToString();

    internal readonly struct BlockScope : IDisposable
    {
        private readonly IndentedWriter _writer;
        private readonly string _closingSuffix;

        public BlockScope(IndentedWriter writer, string closingSuffix)
        {
            _writer = writer;
            _closingSuffix = closingSuffix;
        }

        public void Dispose()
        {
            _writer.Outdent();
            _writer.Line("}" + _closingSuffix);
        }
    }
}
