using ShapeNet.Fuzz;

namespace ShapeNet.Runtime.Tests.Hardening;

/// <summary>CI runs the fuzz corpus, not the fuzzer: every input in fuzz/corpus/&lt;target&gt;/ (the seeds and what afl-fuzz kept
/// for new coverage) and fuzz/crashes/&lt;target&gt;/ (inputs that once crashed a reader) goes through the same target code as
/// fuzz/run.sh, and may only be rejected with the exceptions the readers document.</summary>
public class FuzzCorpusTests
{
    private static string FuzzFolder()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ShapeNet.sln"))) return Path.Combine(d.FullName, "fuzz");
        throw new InvalidOperationException("ShapeNet.sln not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Targets() => new(ShapeNet.Fuzz.Targets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_corpus_and_crash_input_is_read_or_rejected_cleanly(string target)
    {
        string fuzz = FuzzFolder();
        string[] inputs = new[] { "corpus", "crashes" }
            .Select(kind => Path.Combine(fuzz, kind, target))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.GetFiles(folder))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.True(inputs.Length >= 3, $"fuzz/corpus/{target} has only {inputs.Length} inputs");

        string scratch = Path.Combine(Path.GetTempPath(), $"shapenet-corpus-{Guid.NewGuid():N}.{target}");
        var failures = new List<string>();
        try
        {
            foreach (string input in inputs)
            {
                File.Copy(input, scratch, overwrite: true);
                try
                {
                    ShapeNet.Fuzz.Targets.Read(target, scratch);
                }
                catch (Exception e) when (ShapeNet.Fuzz.Targets.IsExpected(e))
                {
                }
                catch (Exception e)
                {
                    failures.Add($"{Path.GetRelativePath(fuzz, input)}: {e.GetType().Name}: {e.Message}");
                }
            }
        }
        finally
        {
            File.Delete(scratch);
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
