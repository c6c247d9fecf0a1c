using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>
/// Kernels allocate nothing once warm: not on the calling thread and not on the GEMM worker threads.
/// Each thread's own counter is read (the workers record theirs after each part of work): the process-wide
/// counter would also see the test runner's threads.
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public class ZeroAllocationTests
{
    private const int Size = 320, Rows = 64, In = 200, Out = 150;

    private readonly IBackend _backend = CpuBackend.Instance;
    private readonly DeviceBuffer _a, _b, _c, _x, _w, _bias, _y, _dy, _dx, _dw, _db;

    public ZeroAllocationTests()
    {
        _a = _backend.Wrap(TestData.Uniform(1, Size * Size));
        _b = _backend.Wrap(TestData.Uniform(2, Size * Size));
        _c = _backend.Allocate(Size * Size);
        _x = _backend.Wrap(TestData.Uniform(3, Rows * In));
        _w = _backend.Wrap(TestData.Uniform(4, Out * In));
        _bias = _backend.Wrap(TestData.Uniform(5, Out));
        _y = _backend.Allocate(Rows * Out);
        _dy = _backend.Wrap(TestData.Uniform(6, Rows * Out));
        _dx = _backend.Allocate(Rows * In);
        _dw = _backend.Allocate(Out * In);
        _db = _backend.Allocate(Out);
    }

    private void RunKernels()
    {
        // 320³ multiply-adds: large enough to be split over the worker threads.
        _backend.Gemm(false, false, Size, Size, Size, 1f, _a, 0, Size, _b, 0, Size, 0f, _c, 0, Size);
        _backend.Gemm(true, true, Size, Size, Size, 0.5f, _a, 0, Size, _b, 0, Size, 1f, _c, 0, Size);
        _backend.Linear_Forward(_y, _x, _w, _bias, new LinearDesc(In, Out, UnaryOp.Tanh), Rows);
        _backend.Linear_Backward(_dx, _dw, _db, _dy, _x, _w, new LinearDesc(In, Out), Rows, accumulateDx: false, accumulateParameters: true);
    }

    /// <summary>Windows of 5 kernel rounds until one allocates nothing (<see cref="AllocationWindows"/>).</summary>
    [Fact]
    public void Gemm_and_linear_allocate_nothing_on_the_calling_thread_nor_on_the_worker_threads_after_warm_up()
    {
        for (int i = 0; i < 3; i++) RunKernels();
        AllocationWindows.Measure(() =>
        {
            for (int i = 0; i < 5; i++) RunKernels();
        }).AssertSteady("5 rounds of GEMM and linear kernels");
    }
}
