using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShapeNet.Generator.Tests.Infrastructure;

namespace ShapeNet.Generator.Tests.Snapshots;

/// <summary>
/// Snapshots of the code generated for every network written as a user writes it: each file under
/// <c>ShapeNet.Samples/</c> and <c>tests/ShapeNet.Networks.Tests/Networks/</c> that declares a <c>[Network]</c> or a
/// <c>[Differentiable]</c> function. Each file is generated together with the files of its folder that declare
/// networks, functions or dimensions (so the <c>[Dim]</c>s it uses are there); each generated source that belongs to
/// one of the file's types is verified as <c>Snapshots/{folder}/{file}.{hintName}.verified.cs</c>.
/// New samples are picked up without editing this class; accept their snapshots with <c>SHAPENET_ACCEPT=1</c>.
/// </summary>
public class GeneratedCodeSnapshotTests
{
    /// <summary>Folders (relative to the solution folder) whose networks are snapshotted, searched recursively.</summary>
    private static readonly string[] Roots = ["ShapeNet.Samples", "tests/ShapeNet.Networks.Tests/Networks"];

    private static readonly ConcurrentDictionary<string, Lazy<GeneratorResult>> RunsByFolder = new(StringComparer.Ordinal);

    private static string SolutionDirectory => Snapshot.FindSolutionDirectory(AppContext.BaseDirectory);

    /// <summary>Every network source file, as a path relative to the solution folder with <c>/</c> separators.</summary>
    public static TheoryData<string> NetworkFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in DiscoverNetworkFiles(SolutionDirectory)) data.Add(file);
        return data;
    }

    public static IReadOnlyList<string> DiscoverNetworkFiles(string solutionDirectory) =>
        Roots.Select(root => Path.Combine(solutionDirectory, root))
            .Where(Directory.Exists)
            .SelectMany(root => Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
            .Where(path => !IsBuildOutput(path) && DeclaresNetworkOrFunction(File.ReadAllText(path)))
            .Select(path => Relative(solutionDirectory, path))
            .Order(StringComparer.Ordinal)
            .ToArray();

    [Fact]
    public void The_samples_are_discovered()
    {
        Assert.Contains("ShapeNet.Samples/Mnist/MnistMlp.cs", DiscoverNetworkFiles(SolutionDirectory));
    }

    [Theory]
    [MemberData(nameof(NetworkFiles))]
    public void Generated_code_matches_the_snapshot(string file)
    {
        GeneratorResult result = RunFolder(Path.GetDirectoryName(file)!.Replace('\\', '/'));
        result.AssertNoErrors();

        string[] hintNames = HintNamesFrom(result, file);
        Assert.True(hintNames.Length > 0, $"Nothing was generated for {file}. Generated: {string.Join(", ", result.GeneratedSources.Keys)}");
        foreach (string hintName in hintNames)
            Snapshot.Verify(result.GeneratedSources[hintName], SnapshotName(file, hintName));

        // The NetEscapades.EnumGenerators harness check: the same input run again through the same driver is all cached.
        GeneratorResult second = result.Rerun(compilation => compilation.Clone());
        CachingAssert.SecondRunFullyCached(result, second);
    }

    [Fact]
    public void The_mnist_mlp_summary_matches_the_snapshot()
    {
        const string file = "ShapeNet.Samples/Mnist/MnistMlp.cs";
        GeneratorResult result = RunFolder("ShapeNet.Samples/Mnist");
        result.AssertNoErrors();

        INamedTypeSymbol network = result.OutputCompilation.GetTypeByMetadataName("ShapeNet.Samples.Mnist.MnistMlp")
            ?? throw new Xunit.Sdk.XunitException("No type ShapeNet.Samples.Mnist.MnistMlp in the output compilation.");
        IFieldSymbol summary = network.GetMembers("Summary").OfType<IFieldSymbol>().Single();
        Assert.True(summary.HasConstantValue, "MnistMlp.Summary is not a constant.");
        Snapshot.Verify((string)summary.ConstantValue!, SnapshotName(file, "Summary"));
    }

    [Fact]
    public void Every_network_snapshot_belongs_to_a_current_file()
    {
        var expected = new HashSet<string>(StringComparer.Ordinal) { SnapshotName("ShapeNet.Samples/Mnist/MnistMlp.cs", "Summary") };
        foreach (string file in DiscoverNetworkFiles(SolutionDirectory))
            foreach (string hintName in HintNamesFrom(RunFolder(Path.GetDirectoryName(file)!.Replace('\\', '/')), file))
                expected.Add(SnapshotName(file, hintName));

        string[] orphans = Roots.Select(root => Path.Combine(Snapshot.Directory, root))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.verified.cs", SearchOption.AllDirectories))
            .Select(path => Relative(Snapshot.Directory, path)[..^".verified.cs".Length])
            .Where(name => !expected.Contains(name))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.True(orphans.Length == 0, "Snapshots of networks or files that no longer exist (delete them):" + Environment.NewLine +
            string.Join(Environment.NewLine, orphans.Select(o => "  " + o + ".verified.cs")));
    }

    /// <summary><c>ShapeNet.Samples/Mnist/MnistMlp.cs</c> and <c>ShapeNet.Samples.Mnist.MnistMlp.g.cs</c> →
    /// <c>ShapeNet.Samples/Mnist/MnistMlp.ShapeNet.Samples.Mnist.MnistMlp.g</c> (the store adds <c>.verified.cs</c>).</summary>
    private static string SnapshotName(string file, string hintName)
    {
        string folder = Path.GetDirectoryName(file)!.Replace('\\', '/');
        string hint = hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName[..^3] : hintName;
        return $"{folder}/{Path.GetFileNameWithoutExtension(file)}.{hint}";
    }

    /// <summary>Runs the generator once per folder over the folder's network, function and dimension files (not
    /// recursively: a sub-folder has its own run) plus the dimensions declared anywhere under the same root (samples
    /// share <c>Common/Dims.cs</c>), each named by its solution-relative path.</summary>
    private static GeneratorResult RunFolder(string folder) =>
        RunsByFolder.GetOrAdd(folder, f => new Lazy<GeneratorResult>(() =>
        {
            string directory = Path.Combine(SolutionDirectory, f);
            string root = Path.Combine(SolutionDirectory, Roots.First(r => f == r || f.StartsWith(r + "/", StringComparison.Ordinal)));
            IEnumerable<string> own = Directory.EnumerateFiles(directory, "*.cs", SearchOption.TopDirectoryOnly)
                .Where(path => DeclaresNetworkOrFunction(File.ReadAllText(path)) || DeclaresDim(File.ReadAllText(path)));
            IEnumerable<string> sharedDims = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                .Where(path => !IsBuildOutput(path) && DeclaresDim(File.ReadAllText(path)));
            SyntaxTree[] trees = own.Concat(sharedDims).Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .Select(path => GeneratorHarness.Parse(File.ReadAllText(path), Relative(SolutionDirectory, path)))
                .ToArray();
            CSharpCompilation compilation = GeneratorHarness.CreateCompilation([], OutputKind.DynamicallyLinkedLibrary).AddSyntaxTrees(trees);
            return GeneratorHarness.Run(compilation);
        })).Value;

    /// <summary>The hint names of the generated sources that belong to <paramref name="file"/>: those whose outermost type
    /// is (partly) declared in that file.</summary>
    private static string[] HintNamesFrom(GeneratorResult result, string file)
    {
        var hintNames = new List<string>();
        foreach (GeneratedSourceResult generated in result.GeneratorRun.GeneratedSources)
        {
            SyntaxTree tree = generated.SyntaxTree;
            SemanticModel model = result.OutputCompilation.GetSemanticModel(tree);
            // Generated code is a partial of the user's types: its outermost type is declared in the user's file.
            BaseTypeDeclarationSyntax? declaration = tree.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>().FirstOrDefault();
            if (declaration is null || model.GetDeclaredSymbol(declaration) is not INamedTypeSymbol type) continue;
            if (type.DeclaringSyntaxReferences.Any(r => r.SyntaxTree.FilePath == file))
                hintNames.Add(generated.HintName);
        }
        return hintNames.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Whether the file applies <c>[Network]</c> or <c>[Differentiable]</c> (parsed, so a mention in a comment or a
    /// string does not count).</summary>
    private static bool DeclaresNetworkOrFunction(string text) => AppliesAttribute(text, "Network", "Differentiable");

    private static bool DeclaresDim(string text) => AppliesAttribute(text, "Dim");

    private static bool AppliesAttribute(string text, params string[] names) =>
        Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(text).GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.AttributeSyntax>()
            .Any(a => names.Contains(a.Name.ToString(), StringComparer.Ordinal));

    private static bool IsBuildOutput(string path)
    {
        string[] parts = path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return parts.Contains("bin") || parts.Contains("obj");
    }

    private static string Relative(string solutionDirectory, string path) =>
        Path.GetRelativePath(solutionDirectory, path).Replace('\\', '/');
}
