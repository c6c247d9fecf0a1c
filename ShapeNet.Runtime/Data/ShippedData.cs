namespace ShapeNet.Data;

/// <summary>Finds the data shipped in the ShapeNet repository (<c>data/…</c>) by walking up from the program's folder and
/// from the current directory to the folder that holds <c>ShapeNet.sln</c>.</summary>
internal static class ShippedData
{
    /// <summary><c>data</c>, or <c>data/<paramref name="name"/></c>, in the repository.</summary>
    /// <param name="name">The folder under <c>data</c>, or null for <c>data</c> itself.</param>
    /// <param name="advice">Appended to the error, e.g. how to point at the data elsewhere.</param>
    /// <exception cref="DirectoryNotFoundException">Neither walk finds the repository, or it lacks the folder.</exception>
    public static string Folder(string? name, string advice = "")
    {
        string what = name is null ? "data" : $"data/{name}";
        string suffix = advice.Length > 0 ? " " + advice : string.Empty;
        string[] starts = [AppContext.BaseDirectory, Directory.GetCurrentDirectory()];
        foreach (string start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "ShapeNet.sln"))) continue;
                string folder = name is null ? Path.Combine(dir.FullName, "data") : Path.Combine(dir.FullName, "data", name);
                if (Directory.Exists(folder)) return folder;
                throw new DirectoryNotFoundException($"The ShapeNet repository at {dir.FullName} has no {what} folder.{suffix}");
            }
        }
        throw new DirectoryNotFoundException(
            $"Could not find the shipped {what}: no folder above {starts[0]} or {starts[1]} contains ShapeNet.sln.{suffix}");
    }
}
