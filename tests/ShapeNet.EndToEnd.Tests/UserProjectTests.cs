using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ShapeNet.EndToEnd.Tests;

/// <summary>
/// A user's first project, end to end, wired the two ways the README describes: by project references (the DSL and
/// the runtime as references, the generator as an analyzer) and by the packed <c>ShapeNet</c> package alone. In each,
/// a network with a shape mistake fails <c>dotnet build</c> with the SN diagnostic at the mistake; fixed, it builds
/// and <c>dotnet run</c> performs one training step and prints the loss. Slow (a minute or two each): real builds.
/// </summary>
public sealed class UserProjectTests(ITestOutputHelper log)
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

    private static string RepositoryRoot { get; } = FindRepositoryRoot();

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
        using var workspace = new TempFolder("package");
        string feed = workspace.Create("feed");
        // A private package cache: a ShapeNet package cached by an earlier run cannot stand in for this build's.
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = workspace.Create("packages") };
        // A version of its own, so no other configured source can serve a different ShapeNet package of that version.
        string version = "0.1.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

        CommandResult pack = Step(DotNet.Run(RepositoryRoot, null, "pack", Path.Combine(RepositoryRoot, "ShapeNet.Runtime", "ShapeNet.Runtime.csproj"),
            "--nologo", "--disable-build-servers", "-c", DotNet.Configuration, "-o", feed, $"-p:PackageVersion={version}"));
        Assert.True(pack.Succeeded, pack.ToString());
        Assert.True(File.Exists(Path.Combine(feed, $"ShapeNet.{version}.nupkg")), $"No ShapeNet.{version}.nupkg in {feed}.{Environment.NewLine}{pack}");

        string project = workspace.Create("FirstNet");
        File.WriteAllText(Path.Combine(project, "nuget.config"), NuGetConfig(feed));
        WriteProject(project, $"""
              <ItemGroup>
                <PackageReference Include="ShapeNet" Version="{version}" />
              </ItemGroup>
            """);

        BuildFailsThenFixedNetworkTrains(project, environment);
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
