namespace ShapeNet.Samples.Tests;

/// <summary>Runs a sample into a string with its files under a fresh temporary folder.</summary>
public sealed class SampleRun : IDisposable
{
    public SampleRun() => Directory.CreateDirectory(RunsFolder);

    public string RunsFolder { get; } = Path.Combine(Path.GetTempPath(), "shapenet-samples-tests", Guid.NewGuid().ToString("N"));

    public string Output { get; private set; } = "";

    public int Run(Func<TextWriter, int> sample)
    {
        var writer = new StringWriter();
        int code = sample(writer);
        Output = writer.ToString();
        return code;
    }

    /// <summary>The path of <paramref name="file"/> in the sample's run folder; asserts it exists and is not empty.</summary>
    public string File(string sample, string file)
    {
        string path = Path.Combine(RunsFolder, sample, file);
        Assert.True(System.IO.File.Exists(path), $"{path} was not written");
        Assert.True(new FileInfo(path).Length > 0, $"{path} is empty");
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(RunsFolder, recursive: true); } catch (IOException) { }
    }
}
