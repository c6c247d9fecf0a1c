using System.Reflection;
using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using Xunit.Abstractions;

namespace ShapeNet.Networks.Tests.Backends;

/// <summary>
/// Issue 8's audit, as a test that finds new members by itself: every public method of the public span kernels
/// (<c>ShapeNet.Backends.Cpu</c>), every call of the two public backends (<see cref="CpuBackend"/>, the GPU backend on ILGPU's CPU
/// accelerator) and every public launcher of the GPU kernel families (<c>GpuKernels.Elementwise</c>, … in ShapeNet.Runtime.Gpu)
/// is called through reflection with operands too short for the sizes it is given, and must refuse with an
/// <see cref="ArgumentException"/> before touching memory: not an <see cref="IndexOutOfRangeException"/> from a loop that ran
/// past an end, not a null dereference, and not a silent success (on the GPU an unchecked view reads its neighbours in the
/// arena). The probes: a span kernel gets empty spans and sizes of 2 (or, when its sizes come from its spans, spans whose lengths
/// disagree); a backend call gets buffers of one element and sizes of 3, a GPU launcher views of one element and sizes of 3.
/// </summary>
[Collection(GpuTestBackendCollection.Name)]
public class LengthAuditTests(ITestOutputHelper output)
{
    // ---- the CPU span kernels --------------------------------------------------------------------

    /// <summary>Public static methods of public types in ShapeNet.Backends.Cpu that take at least one span of numbers.</summary>
    public static IEnumerable<object[]> SpanKernels() =>
        typeof(CpuBackend).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "ShapeNet.Backends.Cpu")
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsGenericMethodDefinition && m.GetParameters().Any(p => IsNumberSpan(p.ParameterType)))
            .OrderBy(m => m.DeclaringType!.Name).ThenBy(m => m.Name).ThenBy(m => m.GetParameters().Length)
            .Select(m => new object[] { $"{m.DeclaringType!.Name}.{m.Name}/{m.GetParameters().Length}" });

    private static MethodInfo Kernel(string id)
    {
        string[] parts = id.Split('/');
        string typeName = parts[0][..parts[0].LastIndexOf('.')], name = parts[0][(parts[0].LastIndexOf('.') + 1)..];
        Type type = typeof(CpuBackend).Assembly.GetExportedTypes().Single(t => t.Namespace == "ShapeNet.Backends.Cpu" && t.Name == typeName);
        return type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Single(m => m.Name == name && m.GetParameters().Length == int.Parse(parts[1]) && m.GetParameters().Any(p => IsNumberSpan(p.ParameterType)));
    }

    private static bool IsNumberSpan(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Span<>) || type.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>))
        && type.GetGenericArguments()[0] is var e && (e == typeof(float) || e == typeof(int));

    [Fact]
    public void The_audit_sees_every_span_kernel_family()
    {
        string[] kernels = SpanKernels().Select(k => (string)k[0]).ToArray();
        output.WriteLine($"{kernels.Length} public span kernels: {string.Join(", ", kernels)}");
        foreach (string family in new[] { "CpuGemm", "CpuLinear", "CpuConvolution", "CpuPooling", "CpuNormalization", "CpuDropout", "CpuElementwise",
                     "CpuReduction", "CpuSoftmax", "CpuLayout", "CpuLoss", "CpuOptimizers", "CpuEmbedding", "CpuRecurrent", "CpuPick", "CpuTopK" })
            Assert.Contains(kernels, k => k.StartsWith(family + ".", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SpanKernels))]
    public void Every_public_span_kernel_refuses_spans_too_short_for_its_sizes(string kernel)
    {
        MethodInfo method = Kernel(kernel);
        ParameterInfo[] parameters = method.GetParameters();
        // Sizes given as numbers: every span empty. Sizes taken from the spans: the first number span one element short of the rest.
        // (An optimizer's step count is not a size.)
        bool explicitSizes = parameters.Any(p => (p.ParameterType == typeof(int) && p.Name != "step") || p.ParameterType == typeof(long) || p.ParameterType.IsByRef);
        int firstSpan = Array.FindIndex(parameters, p => IsNumberSpan(p.ParameterType) && !IsShape(p));
        object?[] args = parameters.Select((p, i) => SpanKernelArgument(p, explicitSizes ? 0 : i == firstSpan ? 3 : 4)).ToArray();
        Exception? error = Call(SpanInvoker.For(method), null, args);
        output.WriteLine($"{kernel}: {(explicitSizes ? "empty spans, sizes 2" : "spans of 3 and 4")} -> {Describe(error)}");
        Assert.True(error is ArgumentException, $"{kernel} with {(explicitSizes ? "empty spans and sizes of 2" : "spans of 3 and 4 elements")}: {Describe(error)}");
    }

    private static bool IsShape(ParameterInfo p) =>
        p.Name!.EndsWith("Shape", StringComparison.Ordinal) || p.Name is "permutation" or "ids" or "targets" or "lengths";

    private static object? SpanKernelArgument(ParameterInfo p, int spanLength)
    {
        Type type = p.ParameterType;
        if (type == typeof(ReadOnlySpan<float[]>))   // a recurrent stack's tensors, in PyTorch's order
            return Enumerable.Range(0, Recurrent.ParameterTensorCount).Select(_ => new float[spanLength]).ToArray();
        if (IsNumberSpan(type) || (type.IsGenericType && type.GetGenericArguments()[0] == typeof(bool)))
        {
            Type element = type.GetGenericArguments()[0];
            if (p.Name!.EndsWith("Shape", StringComparison.Ordinal)) return new[] { 2, 2 };
            if (p.Name is "permutation") return new[] { 1, 0 };
            if (p.Name is "ids" or "targets") return new[] { 0, 1 };
            if (p.Name is "lengths") return new[] { 1, 1 };
            if (element == typeof(bool)) return new[] { true, false };
            return element == typeof(int) ? new int[spanLength] : new float[spanLength];
        }
        return Scalar(p, 2);
    }

    // ---- the public backends ---------------------------------------------------------------------

    public static IEnumerable<object[]> BackendCalls() =>
        from backend in new[] { "cpu", "gpu-ilgpu-cpu" }
        from method in typeof(IBackend).GetMethods().Where(Probed).OrderBy(m => m.Name).ThenBy(m => m.GetParameters().Length)
        select new object[] { backend, $"{method.Name}/{method.GetParameters().Length}" };

    /// <summary>Calls that take memory and sizes. Not probed: allocation and sizing (no operand), and the recurrent calls, which take a
    /// bound <see cref="RecurrentTensors"/> handle whose buffers Recurrent_Bind checks (probed here).</summary>
    private static bool Probed(MethodInfo m) =>
        m.GetParameters().Any(p => p.ParameterType == typeof(DeviceBuffer) || IsNumberSpan(p.ParameterType))
        && m.GetParameters().All(p => p.ParameterType != typeof(RecurrentTensors));

    [Theory]
    [MemberData(nameof(BackendCalls))]
    public void Every_backend_call_refuses_buffers_too_short_for_its_sizes(string backend, string call)
    {
        IBackend b = TestBackends.Create(backend);
        string[] parts = call.Split('/');
        MethodInfo method = typeof(IBackend).GetMethods().Single(m => m.Name == parts[0] && m.GetParameters().Length == int.Parse(parts[1]));
        object?[] args = method.GetParameters().Select(p => BackendArgument(b, p)).ToArray();
        Exception? error = Call(SpanInvoker.For(method), b, args);
        output.WriteLine($"{backend} {call}: buffers of 1 element, sizes 3 -> {Describe(error)}");
        Assert.True(error is ArgumentException, $"{backend} {call} with buffers of one element and sizes of 3: {Describe(error)}");
    }

    private static object? BackendArgument(IBackend b, ParameterInfo p)
    {
        Type type = p.ParameterType;
        if (type == typeof(DeviceBuffer))
            return p.Name is "ids" or "lengths" or "targets" ? b.AllocateInt32(1) : b.Allocate(1);
        if (type == typeof(ReadOnlySpan<DeviceBuffer>))
            return Enumerable.Range(0, Recurrent.ParameterTensorCount).Select(_ => b.Allocate(1)).ToArray();
        if (IsNumberSpan(type) || (type.IsGenericType && type.GetGenericArguments()[0] == typeof(bool)))
        {
            Type element = type.GetGenericArguments()[0];
            if (p.Name!.EndsWith("Shape", StringComparison.Ordinal)) return new[] { 3, 3 };
            if (p.Name is "permutation") return new[] { 1, 0 };
            if (element == typeof(bool)) return new[] { true, false };
            return element == typeof(int) ? new int[3] : new float[3];
        }
        return Scalar(p, 3);
    }

    private static readonly RecurrentDescriptor Recurrent = new(RecurrentMode.Gru, 3, 3);

    private static object? Scalar(ParameterInfo p, int size)
    {
        Type type = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
        if (type == typeof(int))
            return p.Name switch { "operand" => 0, "step" => 1, "paddingIdx" => -1, "k" => 1, "groups" => 1, "batchCount" => 1, _ => size };
        if (type == typeof(long)) return p.Name is "destinationStride" or "sourceStride" or "strideA" or "strideB" or "strideC" ? 0L : (long)size;
        if (type == typeof(float)) return p.Name is "p" or "dropout" ? 0.25f : 0.5f;
        if (type == typeof(double)) return 0.5;
        if (type == typeof(bool)) return false;
        if (type == typeof(uint)) return 1u;
        if (type == typeof(ulong)) return 1ul;
        // The GEMM epilogue with no bias and no activation is a no-op that touches nothing; give it a bias to check.
        if (type.IsEnum) return Enum.GetValues(type).GetValue(p.Name == "biasMode" ? 1 : 0);
        if (type == typeof(Conv2dDesc)) return new Conv2dDesc(size, size, size, size, 2, 2);
        if (type == typeof(Pool2dDesc)) return new Pool2dDesc(size, size, size, 2, 2, 1, 1);
        if (type == typeof(BatchNormDesc)) return new BatchNormDesc(size, size);
        if (type == typeof(LinearDesc)) return new LinearDesc(size, size);
        if (type == typeof(RecurrentDescriptor)) return Recurrent;
        if (type == typeof(Conv2dGeometry)) return new Conv2dDesc(size, size, size, size, 2, 2).Geometry(size);
        if (!type.IsValueType) return null;
        throw new NotSupportedException($"The audit has no value for {p.Name}: {type.Name}; add one.");
    }

    // ---- the GPU backend's public kernel families (ShapeNet.Runtime.Gpu) ------------------------------

    /// <summary>The public launchers of the GPU kernel families (<c>GpuKernels.Elementwise</c>, <c>.Pooling</c>, …: public methods
    /// taking ArrayViews), which a user of ShapeNet.Runtime.Gpu can call directly, bypassing <see cref="IBackend"/>.</summary>
    public static IEnumerable<object[]> GpuLaunchers() =>
        from property in typeof(ShapeNet.Backends.Gpu.GpuKernels).GetProperties()
        where property.PropertyType.Namespace == "ShapeNet.Backends.Gpu" && property.PropertyType.IsClass
        from method in property.PropertyType.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        where method.GetParameters().Any(p => IsView(p.ParameterType))
        orderby property.Name, method.Name, method.GetParameters().Length
        select new object[] { $"{property.Name}.{method.Name}/{method.GetParameters().Length}" };

    private static bool IsView(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ILGPU.ArrayView<>);

    [Theory]
    [MemberData(nameof(GpuLaunchers))]
    public void Every_public_gpu_launcher_refuses_views_too_short_for_its_sizes(string launcher)
    {
        var backend = GpuTestBackend.Instance;
        string[] parts = launcher.Split('/');
        string family = parts[0][..parts[0].IndexOf('.')], name = parts[0][(parts[0].IndexOf('.') + 1)..];
        object target = typeof(ShapeNet.Backends.Gpu.GpuKernels).GetProperty(family)!.GetValue(backend.Kernels)!;
        MethodInfo method = target.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Single(m => m.Name == name && m.GetParameters().Length == int.Parse(parts[1]) && m.GetParameters().Any(p => IsView(p.ParameterType)));
        object?[] args = method.GetParameters().Select(p => GpuArgument(backend, p)).ToArray();
        Exception? error = Call(SpanInvoker.For(method), target, args);
        output.WriteLine($"{launcher}: views of 1 element, sizes 3 -> {Describe(error)}");
        Assert.True(error is ArgumentException, $"{launcher} with views of one element and sizes of 3: {Describe(error)}");
    }

    private static object? GpuArgument(ShapeNet.Backends.Gpu.GpuBackend b, ParameterInfo p)
    {
        Type type = p.ParameterType;
        if (type == typeof(ILGPU.ArrayView<float>)) return ((ShapeNet.Backends.Gpu.GpuBuffer)b.Allocate(1)).View;
        if (type == typeof(ILGPU.ArrayView<int>)) return ((ShapeNet.Backends.Gpu.GpuIntBuffer)b.AllocateInt32(1)).View;
        if (type == typeof(ReadOnlySpan<int>) || type == typeof(ReadOnlySpan<bool>) || type == typeof(Span<float>) || type == typeof(ReadOnlySpan<float>))
            return BackendArgument(b, p);
        return Scalar(p, 3);
    }

    // ---- shared ------------------------------------------------------------------------------------

    private static Exception? Call(Action<object?, object?[]> invoke, object? target, object?[] args)
    {
        try
        {
            invoke(target, args);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static string Describe(Exception? error) =>
        error is null ? "no exception (the call ran)" : $"{error.GetType().Name}: {error.Message.Split('\n')[0]}";
}
