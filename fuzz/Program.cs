using SharpFuzz;

namespace ShapeNet.Fuzz;

/// <summary>
/// afl-fuzz targets for the readers of untrusted files: <c>idx</c>, <c>csv</c>, <c>gzip</c> (gzip-compressed IDX and CSV) and
/// <c>safetensors</c>. Each writes afl's input to a file (the readers take paths, as users call them) and reads it; a reader
/// may reject the input only with the exceptions its documentation names (<see cref="Targets.IsExpected"/>). Anything else,
/// a hang or a crash of the process, is a finding. Usage: <c>ShapeNet.Fuzz &lt;target&gt;</c> under afl-fuzz (fuzz/run.sh).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length != 1 || !Targets.Names.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: ShapeNet.Fuzz <{string.Join("|", Targets.Names)}>");
            return 2;
        }
        string target = args[0];
        string path = Path.Combine(Path.GetTempPath(), $"shapenet-fuzz-{Environment.ProcessId}.{target}");
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using (var file = File.Create(path)) stream.CopyTo(file);
            try
            {
                Targets.Read(target, path);
            }
            catch (Exception e) when (Targets.IsExpected(e))
            {
            }
        });
        return 0;
    }
}
