namespace ShapeNet.Samples;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("usage: ShapeNet.Samples <sample> (samples are wired in a later commit)");
        return 2;
    }
}
