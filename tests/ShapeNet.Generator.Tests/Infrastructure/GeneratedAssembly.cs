using System.Reflection;
using System.Runtime.Loader;
using Xunit.Sdk;

namespace ShapeNet.Generator.Tests.Infrastructure;

/// <summary>
/// A compiled test compilation loaded into its own collectible <see cref="AssemblyLoadContext"/>. Its references
/// (ShapeNet.Runtime, the BCL) resolve to the test's own copies, so <see cref="Tensor"/> values pass between the
/// test and generated code. Dispose to unload.
/// </summary>
public sealed class GeneratedAssembly : IDisposable
{
    private readonly AssemblyLoadContext _context;

    private GeneratedAssembly(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        Assembly = assembly;
    }

    /// <summary>The loaded assembly.</summary>
    public Assembly Assembly { get; }

    /// <summary>Loads <paramref name="image"/> into a new collectible load context.</summary>
    public static GeneratedAssembly Load(byte[] image, string name)
    {
        // A context that resolves nothing itself falls back to the default context for every reference.
        var context = new AssemblyLoadContext(name, isCollectible: true);
        using var stream = new MemoryStream(image);
        return new GeneratedAssembly(context, context.LoadFromStream(stream));
    }

    /// <summary>The type named <paramref name="fullName"/> (<c>Demo.Mlp</c>; nested types as <c>Outer+Inner</c>).</summary>
    public Type GetType(string fullName) =>
        Assembly.GetType(fullName, throwOnError: false) ??
        throw new XunitException($"No type '{fullName}' in the generated assembly. Types: " +
            string.Join(", ", Assembly.GetTypes().Select(t => t.FullName)));

    /// <summary>Creates an instance of <paramref name="fullName"/> with the constructor matching <paramref name="args"/>;
    /// cast the result to <c>dynamic</c> to call generated members.</summary>
    public object CreateInstance(string fullName, params object?[] args) =>
        Activator.CreateInstance(GetType(fullName), args) ??
        throw new XunitException($"Could not create an instance of '{fullName}'.");

    /// <summary>Unloads the load context (the assembly is collected once nothing references its types).</summary>
    public void Dispose() => _context.Unload();
}
