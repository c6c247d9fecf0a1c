using System.Collections.Immutable;
using System.Numerics.Tensors;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ShapeNet.Generator.Tests.Infrastructure;

/// <summary>
/// Compiles test sources the way a user project would (latest C#, nullable enabled, the running framework's
/// BCL plus ShapeNet.Dsl, ShapeNet.Runtime and System.Numerics.Tensors) and runs a generator over them with
/// incremental step tracking on. No implicit usings are added: generated code must not depend on them.
/// </summary>
public static class GeneratorHarness
{
    /// <summary>The assembly name given to test compilations unless a test names its own.</summary>
    public const string DefaultAssemblyName = "ShapeNet.GeneratorTests.Input";

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    /// <summary>C# latest, as user projects are built (<c>LangVersion=latest</c>).</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>The framework's BCL and the ShapeNet assemblies a user project references.</summary>
    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>Parses <paramref name="source"/> with <see cref="ParseOptions"/>; <paramref name="path"/> names the
    /// file in diagnostics.</summary>
    public static SyntaxTree Parse(string source, string path = "Input0.cs") =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    /// <summary>A compilation of <paramref name="sources"/> named <c>Input0.cs</c>, <c>Input1.cs</c>, ….</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CreateCompilation(sources, OutputKind.DynamicallyLinkedLibrary);

    /// <summary>A compilation of <paramref name="sources"/> named <c>Input0.cs</c>, <c>Input1.cs</c>, ….</summary>
    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, OutputKind outputKind,
        string assemblyName = DefaultAssemblyName)
    {
        SyntaxTree[] trees = sources.Select((text, i) => Parse(text, $"Input{i}.cs")).ToArray();
        var options = new CSharpCompilationOptions(outputKind)
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithAllowUnsafe(true)
            .WithDeterministic(true);
        return CSharpCompilation.Create(assemblyName, trees, References, options);
    }

    /// <summary>A driver for <paramref name="generator"/> (default: <see cref="ShapeNetGenerator"/>) that tracks
    /// incremental steps, so caching can be asserted.</summary>
    public static GeneratorDriver CreateDriver(IIncrementalGenerator? generator = null) =>
        CSharpGeneratorDriver.Create(
            new[] { (generator ?? new ShapeNetGenerator()).AsSourceGenerator() },
            additionalTexts: null,
            parseOptions: ParseOptions,
            optionsProvider: null,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Compiles <paramref name="sources"/> and runs <see cref="ShapeNetGenerator"/> over them.</summary>
    public static GeneratorResult Run(params string[] sources) => Run(CreateCompilation(sources));

    /// <summary>Runs <paramref name="generator"/> (default: <see cref="ShapeNetGenerator"/>) over <paramref name="compilation"/>.</summary>
    public static GeneratorResult Run(CSharpCompilation compilation, IIncrementalGenerator? generator = null) =>
        Run(compilation, CreateDriver(generator));

    /// <summary>Runs <paramref name="driver"/> over <paramref name="compilation"/>. Passing the driver of an
    /// earlier result re-runs incrementally against that run's cached state.</summary>
    public static GeneratorResult Run(CSharpCompilation compilation, GeneratorDriver driver)
    {
        GeneratorDriver ran = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return new GeneratorResult(compilation, output, ran);
    }

    /// <summary>
    /// Runs the generator over <paramref name="source"/>, applies <paramref name="edit"/> to the input compilation
    /// and runs the same driver again, for caching tests. Returns both runs.
    /// </summary>
    public static (GeneratorResult First, GeneratorResult Second) RunTwice(string source,
        Func<CSharpCompilation, CSharpCompilation> edit, IIncrementalGenerator? generator = null)
    {
        GeneratorResult first = Run(CreateCompilation(source), generator);
        GeneratorResult second = first.Rerun(edit);
        return (first, second);
    }

    /// <summary>An edit for <see cref="RunTwice"/> that touches nothing the generator reads: adds a file with an
    /// unrelated class.</summary>
    public static CSharpCompilation AddUnrelatedFile(CSharpCompilation compilation) =>
        compilation.AddSyntaxTrees(Parse("namespace Unrelated { internal static class Edit { public const int Value = 1; } }",
            $"Unrelated{compilation.SyntaxTrees.Count()}.cs"));

    /// <summary>An edit for <see cref="RunTwice"/> that replaces the text of the file at <paramref name="path"/>.</summary>
    public static Func<CSharpCompilation, CSharpCompilation> ReplaceFile(string path, string newSource) => compilation =>
    {
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return compilation.ReplaceSyntaxTree(old, Parse(newSource, path));
    };

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The trusted platform assemblies are the test host's whole load list; keep those of the shared framework
        // (the directory System.Private.CoreLib comes from), then add what a ShapeNet user project references.
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string trusted = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty;
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string path in trusted.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
                byName[Path.GetFileNameWithoutExtension(path)] = path;
        }
        foreach (System.Reflection.Assembly assembly in new[] { typeof(NetworkAttribute).Assembly, typeof(Tensor).Assembly, typeof(TensorPrimitives).Assembly })
            byName[assembly.GetName().Name!] = assembly.Location;
        return byName.Values.OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }
}
