using System.Diagnostics;
using System.Text;
using Xunit.Sdk;

namespace ShapeNet.EndToEnd.Tests;

/// <summary>The outcome of one <c>dotnet</c> command: its exit code and its standard output and error interleaved.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"$ {Command}{Environment.NewLine}(exit code {ExitCode}){Environment.NewLine}{Output}";
}

/// <summary>
/// Runs the <c>dotnet</c> CLI as a user would, isolated from the test host: no standard input, telemetry and logo
/// off, no build servers or MSBuild nodes left running (they would outlive the test and hold its output pipes),
/// none of the host's MSBuild variables, and a timeout after which the whole process tree is killed.
/// </summary>
public static class DotNet
{
    /// <summary>Per command; generous because the machine may be loaded by parallel test assemblies.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    /// <summary>The configuration this test assembly was built in; the repository's projects are built in it too.</summary>
    public const string Configuration =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="workingDirectory"/>.</summary>
    public static CommandResult Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotNetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);

        // The test host runs inside `dotnet test`: its MSBuild variables would point a nested build at the wrong SDK
        // state, so start from a clean slate.
        foreach (string name in start.Environment.Keys.ToArray())
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase) || name.StartsWith("SHAPENET_", StringComparison.OrdinalIgnoreCase))
                start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["NUGET_XMLDOC_MODE"] = "skip";
        if (environment is not null)
            foreach ((string name, string value) in environment) start.Environment[name] = value;

        string command = "dotnet " + string.Join(' ', arguments);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(TimeSpan.FromSeconds(30));
            string partial;
            lock (output) partial = output.ToString();
            throw new XunitException($"Timed out after {Timeout.TotalMinutes:0} min and killed: {command}{Environment.NewLine}{partial}");
        }
        process.WaitForExit(); // flushes the asynchronous output readers
        lock (output)
            return new CommandResult($"{command}  ({clock.Elapsed.TotalSeconds:0.0} s)", process.ExitCode, output.ToString());
    }

    /// <summary>The <c>dotnet</c> executable running this test (so the same SDK builds the user projects).</summary>
    private static string DotNetHost()
    {
        string? root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        string name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        string? fromProcess = Environment.ProcessPath;
        if (fromProcess is not null && Path.GetFileName(fromProcess).Equals(name, StringComparison.OrdinalIgnoreCase)) return fromProcess;
        if (root is not null && File.Exists(Path.Combine(root, name))) return Path.Combine(root, name);
        return name;
    }
}
