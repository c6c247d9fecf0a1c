using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ShapeNet.EndToEnd.Tests;

/// <summary>
/// A user's first project, end to end, wired the two ways the README describes: by project references (the DSL and
/// the runtime as references, the generator as an analyzer) and by the packed <c>ShapeNet</c> package alone. In each,
/// a network with a shape mistake fails <c>dotnet build</c> with the SN diagnostic at the mistake; fixed, it builds
/// and <c>dotnet run</c> performs one training step and prints the loss. The packed package also carries the XML
/// documentation, and the template package packed with it gives a project that builds, trains and resumes. Slow (a
/// minute or two each): real builds; the two packages are packed once for the class (<see cref="PackedFeed"/>).
/// </summary>
public sealed class UserProjectTests(ITestOutputHelper log, PackedFeed feed) : IClassFixture<PackedFeed>
{
    /// <summary>The network with its mistake: Fc2 takes 32 features but Fc1 gives 16.</summary>
    private const string WrongNetwork = """
        using ShapeNet;

        namespace FirstNet;

        [Dim(8)] public partial struct Features;
        [Dim(3)] public partial struct Classes;

        [Network]
        public partial class Classifier
        {
            [Linear(8, 16)] partial Linear Fc1 { get; }
            [Linear(32, 3)] partial Linear Fc2 { get; }

            [Forward]
            public Tensor<Batch, Classes> Forward(Tensor<Batch, Features> x)
            {
                var h = Relu(Fc1(x));
                return Fc2(h);
            }
        }
        """;

    private static readonly string CorrectNetwork = WrongNetwork.Replace("[Linear(32, 3)]", "[Linear(16, 3)]", StringComparison.Ordinal);

    /// <summary>The diagnostic the wrong network gives, as <c>dotnet build</c> prints it.</summary>
    private const string ExpectedError =
        "Network.cs(18,16): error SN0101: Fc2 expects 32 input features, but Relu(Fc1(x)) gives 16 (its shape is [Batch, 16])";

    private const string Program = """
        using FirstNet;
        using ShapeNet;
        using ShapeNet.Optim;

        const int batch = 4;
        var model = new Classifier(seed: 0);
        using Classifier.Plan plan = model.CreatePlan(batch);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0.1f));

        var features = new float[batch * 8];
        for (int i = 0; i < features.Length; i++) features[i] = (i % 7 - 3) / 3f;
        float[] labels = [0, 1, 2, 1];

        plan.TrainStep(features, labels, batch);
        Console.WriteLine($"parameters {model.ParameterCount}");
        Console.WriteLine(FormattableString.Invariant($"loss {plan.Loss:F4}"));
        """;

    internal static string RepositoryRoot { get; } = FindRepositoryRoot();

    [Fact]
    public void A_project_with_project_references_reports_the_shape_error_then_trains()
    {
        using var workspace = new TempFolder("refs");
        string project = workspace.Create("FirstNet");
        string repo = RepositoryRoot;
        WriteProject(project, $"""
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(repo, "ShapeNet.Dsl", "ShapeNet.Dsl.csproj")}" />
                <ProjectReference Include="{Path.Combine(repo, "ShapeNet.Runtime", "ShapeNet.Runtime.csproj")}" />
                <ProjectReference Include="{Path.Combine(repo, "ShapeNet.Generator", "ShapeNet.Generator.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
              </ItemGroup>
            """);

        BuildFailsThenFixedNetworkTrains(project, environment: null);
    }

    [Fact]
    public void A_project_with_only_the_ShapeNet_package_reports_the_shape_error_then_trains()
    {
        PackedShapeNet packed = feed.Value;
        using var workspace = new TempFolder("package");
        string project = workspace.Create("FirstNet");
        File.WriteAllText(Path.Combine(project, "nuget.config"), NuGetConfig(packed.Feed));
        WriteProject(project, $"""
              <ItemGroup>
                <PackageReference Include="ShapeNet" Version="{packed.Version}" />
              </ItemGroup>
            """);

        BuildFailsThenFixedNetworkTrains(project, packed.Environment);
    }

    /// <summary>The package holds what an IDE and the compiler need: both assemblies with their XML documentation (help
    /// text), and the generator and its code fixes as analyzers.</summary>
    [Fact]
    public void The_package_ships_the_XML_documentation_and_the_generator()
    {
        PackedShapeNet packed = feed.Value;
        using ZipArchive package = ZipFile.OpenRead(Path.Combine(packed.Feed, $"ShapeNet.{packed.Version}.nupkg"));
        string[] entries = package.Entries.Select(e => e.FullName).ToArray();
        foreach (string expected in new[]
                 {
                     "lib/net10.0/ShapeNet.Runtime.dll", "lib/net10.0/ShapeNet.Runtime.xml",
                     "lib/net10.0/ShapeNet.Dsl.dll", "lib/net10.0/ShapeNet.Dsl.xml",
                     "analyzers/dotnet/cs/ShapeNet.Generator.dll", "analyzers/dotnet/cs/ShapeNet.CodeFixes.dll",
                 })
            Assert.True(entries.Contains(expected), $"The package lacks {expected}; it holds {string.Join(", ", entries)}.");

        // The documentation covers the entry points with examples.
        using var dsl = new StreamReader(package.GetEntry("lib/net10.0/ShapeNet.Dsl.xml")!.Open());
        string xml = dsl.ReadToEnd();
        Assert.Contains("<member name=\"T:ShapeNet.NetworkAttribute\">", xml, StringComparison.Ordinal);
        Assert.Contains("<example>", xml, StringComparison.Ordinal);
    }

    /// <summary><c>dotnet new shapenet-classifier</c> from the packed template (installed into a private template hive),
    /// built against the packed ShapeNet package, trains, reports test accuracy, saves a checkpoint and resumes from it.</summary>
    [Fact]
    public void The_classifier_template_instantiates_builds_trains_and_resumes_from_its_checkpoint()
    {
        PackedShapeNet packed = feed.Value;
        using var workspace = new TempFolder("template");
        string hive = workspace.Create("hive");
        string template = Path.Combine(packed.Feed, $"ShapeNet.Templates.{packed.Version}.nupkg");
        Assert.True(File.Exists(template), $"Packing ShapeNet did not pack {template}.");

        CommandResult install = Step(DotNet.Run(workspace.Path, null, "new", "install", template, "--debug:custom-hive", hive));
        Assert.True(install.Succeeded, install.ToString());
        CommandResult created = Step(DotNet.Run(workspace.Path, null, "new", "shapenet-classifier", "-n", "SpiralNet", "--debug:custom-hive", hive));
        Assert.True(created.Succeeded, created.ToString());
        string project = Path.Combine(workspace.Path, "SpiralNet");
        Assert.True(File.Exists(Path.Combine(project, "SpiralNet.csproj")), "No SpiralNet.csproj." + Environment.NewLine + created);
        string csproj = File.ReadAllText(Path.Combine(project, "SpiralNet.csproj"));
        Assert.Contains($"<PackageReference Include=\"ShapeNet\" Version=\"{packed.Version}\" />", csproj, StringComparison.Ordinal);
        Assert.Contains("namespace SpiralNet;", File.ReadAllText(Path.Combine(project, "Network.cs")), StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(project, "nuget.config"), NuGetConfig(packed.Feed));
        CommandResult built = Step(DotNet.Run(project, packed.Environment, "build", "--nologo", "--disable-build-servers", "-c", DotNet.Configuration));
        Assert.True(built.Succeeded, "The template's project does not build." + Environment.NewLine + built);
        Assert.True(built.Output.Contains("0 Warning(s)", StringComparison.Ordinal), "The template's project builds with warnings." + Environment.NewLine + built);

        CommandResult trained = Step(DotNet.Run(project, packed.Environment, "run", "--no-build", "-c", DotNet.Configuration, "--", "--epochs", "12"));
        Assert.True(trained.Succeeded, trained.ToString());
        Assert.Contains("Layer ", trained.Output, StringComparison.Ordinal);   // the compile-time summary
        MatchCollection epochs = Regex.Matches(trained.Output, @"^epoch +(\d+)/12 \[#{30}\] 100% loss (\d+\.\d{4})  test accuracy (\d+\.\d) %\s*$", RegexOptions.Multiline);
        Assert.True(epochs.Count == 12, "Expected one progress line per epoch." + Environment.NewLine + trained);
        double firstLoss = double.Parse(epochs[0].Groups[2].Value, CultureInfo.InvariantCulture);
        double lastLoss = double.Parse(epochs[^1].Groups[2].Value, CultureInfo.InvariantCulture);
        double accuracy = double.Parse(epochs[^1].Groups[3].Value, CultureInfo.InvariantCulture);
        // Three spirals: a linear model stays near 50 %; the 64-64 MLP passes 80 % within a dozen epochs (about 90 % seen).
        Assert.True(lastLoss < firstLoss / 2 && accuracy >= 80, $"The template did not learn (loss {firstLoss} → {lastLoss}, accuracy {accuracy} %).{Environment.NewLine}{trained}");
        string checkpoint = Path.Combine(project, "checkpoints", "classifier.safetensors");
        Assert.True(File.Exists(checkpoint), "No checkpoint after training." + Environment.NewLine + trained);

        CommandResult resumed = Step(DotNet.Run(project, packed.Environment, "run", "--no-build", "-c", DotNet.Configuration, "--", "--epochs", "13"));
        Assert.True(resumed.Succeeded, resumed.ToString());
        Assert.Contains($"Resumed from {Path.Combine("checkpoints", "classifier.safetensors")} after epoch 12.", resumed.Output, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(resumed.Output, @"^epoch +13/13 ", RegexOptions.Multiline));
    }

    private void BuildFailsThenFixedNetworkTrains(string project, IReadOnlyDictionary<string, string>? environment)
    {
        string network = Path.Combine(project, "Network.cs");
        File.WriteAllText(network, WrongNetwork);
        CommandResult failed = Step(DotNet.Run(project, environment, "build", "--nologo", "--disable-build-servers", "-c", DotNet.Configuration));
        Assert.False(failed.Succeeded, "The build of the wrong network succeeded." + Environment.NewLine + failed);
        Assert.True(failed.Output.Contains(ExpectedError, StringComparison.Ordinal),
            $"The build output lacks{Environment.NewLine}  {ExpectedError}{Environment.NewLine}{failed}");

        File.WriteAllText(network, CorrectNetwork);
        CommandResult built = Step(DotNet.Run(project, environment, "build", "--nologo", "--disable-build-servers", "-c", DotNet.Configuration));
        Assert.True(built.Succeeded, "The build of the corrected network failed." + Environment.NewLine + built);
        Assert.DoesNotContain("SN0", built.Output, StringComparison.Ordinal);

        CommandResult ran = Step(DotNet.Run(project, environment, "run", "--no-build", "-c", DotNet.Configuration));
        Assert.True(ran.Succeeded, "dotnet run failed." + Environment.NewLine + ran);
        // 8·16 + 16 + 16·3 + 3 parameters; the loss of one step on three classes starts near ln 3.
        Assert.True(ran.Output.Contains("parameters 195", StringComparison.Ordinal), ran.ToString());
        Match loss = Regex.Match(ran.Output, @"^loss (\d+\.\d{4})\s*$", RegexOptions.Multiline);
        Assert.True(loss.Success, "No loss line in the output." + Environment.NewLine + ran);
        double value = double.Parse(loss.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(value, 0.3, 3.0);
    }

    /// <summary>Logs each command's output, so a failing or slow step can be read in the test log.</summary>
    private CommandResult Step(CommandResult result)
    {
        log.WriteLine(result.ToString());
        return result;
    }

    private static void WriteProject(string folder, string references)
    {
        File.WriteAllText(Path.Combine(folder, "FirstNet.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
            {references}
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), Program);
    }

    /// <summary>The temp feed as a source on top of the machine's normal ones (which serve ShapeNet's dependency);
    /// the machine's package folder, when there is one, is listed too so the dependency restores offline.</summary>
    private static string NuGetConfig(string feed)
    {
        string? machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(machineCache))
            machineCache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cacheSource = Directory.Exists(machineCache)
            ? $"""    <add key="machine-packages" value="{machineCache}" />"""
            : string.Empty;
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="shapenet-e2e" value="{feed}" />
            {cacheSource}
              </packageSources>
            </configuration>
            """;
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ShapeNet.sln"))) return dir.FullName;
        throw new XunitException($"No ShapeNet.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The ShapeNet and ShapeNet.Templates packages, packed once (on first use) for the tests of a class into a
/// temporary feed, with a version of their own and a private package cache.</summary>
public sealed record PackedShapeNet(string Feed, string Version, IReadOnlyDictionary<string, string> Environment);

/// <summary>Packs ShapeNet.Runtime (which packs the templates too) once per test class; deleted with the class.</summary>
public sealed class PackedFeed : IDisposable
{
    private readonly TempFolder _workspace = new("feed");
    private readonly Lazy<PackedShapeNet> _packed;

    public PackedFeed() => _packed = new Lazy<PackedShapeNet>(Pack);

    public PackedShapeNet Value => _packed.Value;

    private PackedShapeNet Pack()
    {
        string feed = _workspace.Create("feed");
        // A private package cache: a ShapeNet package cached by an earlier run cannot stand in for this build's.
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = _workspace.Create("packages") };
        // A version of its own, so no other configured source can serve a different ShapeNet package of that version.
        string version = "0.2.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        CommandResult pack = DotNet.Run(UserProjectTests.RepositoryRoot, null, "pack", Path.Combine(UserProjectTests.RepositoryRoot, "ShapeNet.Runtime", "ShapeNet.Runtime.csproj"),
            "--nologo", "--disable-build-servers", "-c", DotNet.Configuration, "-o", feed, $"-p:PackageVersion={version}");
        if (!pack.Succeeded || !File.Exists(Path.Combine(feed, $"ShapeNet.{version}.nupkg")))
            throw new XunitException($"Packing ShapeNet {version} into {feed} failed.{Environment.NewLine}{pack}");
        return new PackedShapeNet(feed, version, environment);
    }

    public void Dispose() => _workspace.Dispose();
}

/// <summary>A fresh folder under the system temp folder (outside the repository, so none of its
/// <c>Directory.Build.props</c> apply), deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(string label)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"shapenet-e2e-{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Create(string name)
    {
        string folder = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
