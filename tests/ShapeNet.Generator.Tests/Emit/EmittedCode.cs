using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ShapeNet.Generator.Tests.Emit;

/// <summary>Compiles emitted sources with user sources against the DSL, the runtime and this test assembly
/// (for <see cref="ReferenceBackend"/>), and loads them to run.</summary>
internal static class EmittedCode
{
    /// <summary>Fails with the errors (and warnings in source 0, the emitted code) and the numbered sources.</summary>
    public static void AssertCompiles(params string[] sources) => Compile(sources);

    public static Assembly Load(params string[] sources)
    {
        CSharpCompilation compilation = Compile(sources);
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(image);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        image.Position = 0;
        return AssemblyLoadContext.Default.LoadFromStream(image);
    }

    private static CSharpCompilation Compile(string[] sources)
    {
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest), path: $"source{i}.cs")).ToList();
        var paths = new HashSet<string>(((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator), StringComparer.Ordinal)
        {
            typeof(ShapeNet.Tensor).Assembly.Location,
            typeof(ShapeNet.NetworkAttribute).Assembly.Location,
            typeof(ReferenceBackend).Assembly.Location,
        };
        var compilation = CSharpCompilation.Create("Emitted" + Guid.NewGuid().ToString("N"), trees, paths.Select(p => MetadataReference.CreateFromFile(p)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var problems = compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree == trees[0]))
            .ToList();
        if (problems.Count > 0)
        {
            string listing = string.Join("\n\n", sources.Select((s, i) =>
                $"// source{i}.cs\n" + string.Join("\n", s.Split('\n').Select((line, n) => $"{n + 1,4}: {line}"))));
            Assert.Fail(string.Join("\n", problems) + "\n\n" + listing);
        }
        return compilation;
    }
}
