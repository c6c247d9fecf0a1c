using System.Text;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.Infrastructure;

/// <summary>
/// Snapshot tests of generated text against committed files
/// <c>tests/ShapeNet.Generator.Tests/Snapshots/{name}.verified.cs</c>. On a mismatch the actual text is written
/// beside it as <c>{name}.received.cs</c> and the test fails with a line diff. Run with <c>SHAPENET_ACCEPT=1</c>
/// to write the verified files instead.
/// </summary>
public static class Snapshot
{
    /// <summary>The environment variable that, set to <c>1</c>, accepts received text as verified.</summary>
    public const string AcceptVariable = "SHAPENET_ACCEPT";

    private static readonly Lazy<SnapshotStore> Store = new(() =>
        new SnapshotStore(Path.Combine(FindSolutionDirectory(AppContext.BaseDirectory), "tests", "ShapeNet.Generator.Tests", "Snapshots"),
            Environment.GetEnvironmentVariable(AcceptVariable) == "1"));

    /// <summary>The committed snapshot folder of the source tree.</summary>
    public static string Directory => Store.Value.Directory;

    /// <summary>Compares <paramref name="actual"/> with the verified snapshot <paramref name="name"/>.</summary>
    public static void Verify(string actual, string name) => Store.Value.Verify(actual, name);

    /// <summary>The nearest directory at or above <paramref name="start"/> that contains <c>ShapeNet.sln</c>.</summary>
    public static string FindSolutionDirectory(string start)
    {
        for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ShapeNet.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No ShapeNet.sln in '{start}' or any directory above it.");
    }
}

/// <summary>A folder of <c>{name}.verified.cs</c> snapshots; <see cref="Snapshot"/> uses the source tree's.</summary>
/// <param name="directory">Where verified and received files live.</param>
/// <param name="accept">Write <paramref name="directory"/>'s verified files from the actual text instead of comparing.</param>
public sealed class SnapshotStore(string directory, bool accept)
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Where verified and received files live.</summary>
    public string Directory { get; } = directory;

    /// <summary>Whether <see cref="Verify"/> writes verified files instead of comparing.</summary>
    public bool Accept { get; } = accept;

    public string VerifiedPath(string name) => Path.Combine(Directory, name + ".verified.cs");

    public string ReceivedPath(string name) => Path.Combine(Directory, name + ".received.cs");

    /// <summary>
    /// Passes when <paramref name="actual"/> equals the verified file (line endings normalised), deleting any stale
    /// received file. Otherwise writes the received file and fails with a diff; in accept mode writes the verified
    /// file and passes.
    /// </summary>
    public void Verify(string actual, string name)
    {
        string normalized = NormalizeLineEndings(actual);
        string verifiedPath = VerifiedPath(name);
        string receivedPath = ReceivedPath(name);

        if (Accept)
        {
            Write(verifiedPath, normalized);
            File.Delete(receivedPath);
            return;
        }

        string? verified = File.Exists(verifiedPath) ? NormalizeLineEndings(File.ReadAllText(verifiedPath)) : null;
        if (verified == normalized)
        {
            File.Delete(receivedPath);
            return;
        }

        Write(receivedPath, normalized);
        string accept = $"If the new text is right, rename the received file or rerun with {Snapshot.AcceptVariable}=1.";
        if (verified is null)
            throw new XunitException($"Snapshot '{name}' has no verified file {verifiedPath}.{Environment.NewLine}" +
                $"Received: {receivedPath}{Environment.NewLine}{accept}");
        throw new XunitException($"Snapshot '{name}' differs from {verifiedPath}.{Environment.NewLine}" +
            $"Received: {receivedPath}{Environment.NewLine}{accept}{Environment.NewLine}" +
            LineDiff.Format(verified, normalized));
    }

    private static string NormalizeLineEndings(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

    private static void Write(string path, string text)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, Utf8NoBom);
    }
}
