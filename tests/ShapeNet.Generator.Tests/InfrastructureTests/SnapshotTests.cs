using ShapeNet.Generator.Tests.Infrastructure;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.InfrastructureTests;

public sealed class SnapshotTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "shapenet-snapshots-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Matching_text_passes_whatever_the_line_endings_and_removes_a_stale_received_file()
    {
        var store = new SnapshotStore(_directory, accept: false);
        Directory.CreateDirectory(_directory);
        File.WriteAllText(store.VerifiedPath("Mlp"), "class Mlp\n{\n}\n");
        File.WriteAllText(store.ReceivedPath("Mlp"), "stale");

        store.Verify("class Mlp\r\n{\r\n}\r\n", "Mlp");

        Assert.False(File.Exists(store.ReceivedPath("Mlp")));
    }

    [Fact]
    public void A_mismatch_writes_the_received_file_and_fails_with_a_numbered_diff()
    {
        var store = new SnapshotStore(_directory, accept: false);
        Directory.CreateDirectory(_directory);
        File.WriteAllText(store.VerifiedPath("Mlp"), "a\nb\nc\nd\ne\nf\n");

        var failure = Assert.Throws<XunitException>(() => store.Verify("a\nb\nC\nd\ne\nf\ng\n", "Mlp"));

        Assert.Equal("a\nb\nC\nd\ne\nf\ng\n", File.ReadAllText(store.ReceivedPath("Mlp")));
        Assert.Contains(store.ReceivedPath("Mlp"), failure.Message);
        Assert.Contains("-    3 | c", failure.Message);
        Assert.Contains("+    3 | C", failure.Message);
        Assert.Contains("+    7 | g", failure.Message);
        Assert.Contains("     2 | b", failure.Message);
    }

    [Fact]
    public void A_missing_verified_file_fails_and_writes_the_received_file()
    {
        var store = new SnapshotStore(_directory, accept: false);

        var failure = Assert.Throws<XunitException>(() => store.Verify("new", "Fresh"));

        Assert.Contains("has no verified file", failure.Message);
        Assert.Equal("new", File.ReadAllText(store.ReceivedPath("Fresh")));
    }

    [Fact]
    public void Accept_mode_writes_the_verified_file_and_passes()
    {
        var store = new SnapshotStore(_directory, accept: true);

        store.Verify("accepted\r\n", "Mlp");

        Assert.Equal("accepted\n", File.ReadAllText(store.VerifiedPath("Mlp")));
        Assert.False(File.Exists(store.ReceivedPath("Mlp")));
        new SnapshotStore(_directory, accept: false).Verify("accepted\n", "Mlp");
    }

    [Fact]
    public void The_default_store_is_the_test_projects_snapshot_folder_in_the_source_tree()
    {
        string root = Snapshot.FindSolutionDirectory(AppContext.BaseDirectory);

        Assert.True(File.Exists(Path.Combine(root, "ShapeNet.sln")));
        Assert.Equal(Path.Combine(root, "tests", "ShapeNet.Generator.Tests", "Snapshots"), Snapshot.Directory);
    }

    [Fact]
    public void The_diff_shows_only_the_first_changed_lines_and_counts_the_rest()
    {
        string expected = string.Join("\n", Enumerable.Range(1, 100).Select(i => $"line {i}"));
        string actual = string.Join("\n", Enumerable.Range(1, 100).Select(i => i % 2 == 0 ? $"LINE {i}" : $"line {i}"));

        string diff = LineDiff.Format(expected, actual, maxChangedLines: 40);

        Assert.Equal(40, diff.Split('\n').Count(l => l.StartsWith('-') || l.StartsWith('+')) - 1); // minus the header
        Assert.Contains("... 60 more differing line(s) not shown", diff);
    }
}
