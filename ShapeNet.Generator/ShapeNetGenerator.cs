using Microsoft.CodeAnalysis;

namespace ShapeNet.Generator;

/// <summary>The ShapeNet incremental generator (pipeline wired in a later commit).</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ShapeNetGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
