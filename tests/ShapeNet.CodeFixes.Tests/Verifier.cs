using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using ShapeNet.CodeFixes;
using ShapeNet.Generator;

namespace ShapeNet.CodeFixes.Tests;

/// <summary>
/// Microsoft.CodeAnalysis.Testing's code-fix test with the ShapeNet generator in the project: the diagnostics are the
/// generator's (no analyzer runs), the references are the running .NET and ShapeNet's assemblies (no reference pack is
/// downloaded), and the fixed source must build with no diagnostic at all, the generator's included.
/// </summary>
public sealed class ShapeFixTest : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, ShapeErrorCodeFixProvider, DefaultVerifier>
{
    public ShapeFixTest()
    {
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(PlatformReferences.Value);
        TestState.AdditionalReferences.Add(typeof(NetworkAttribute).Assembly);
        TestState.AdditionalReferences.Add(typeof(Tensor).Assembly);
        // The generated sources are the generator tests' concern (snapshots).
        TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck;
    }

    private static readonly Lazy<ImmutableArray<MetadataReference>> PlatformReferences = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToImmutableArray());

    protected override IEnumerable<Type> GetSourceGenerators()
    {
        yield return typeof(ShapeNetGenerator);
    }
}
