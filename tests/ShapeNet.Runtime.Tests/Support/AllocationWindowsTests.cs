using Xunit.Sdk;

namespace ShapeNet.Runtime.Tests.Support;

/// <summary>The allocation tests' measurement itself: an allocation per window fails with every window listed; a one-off passes
/// in the next window.</summary>
[Collection(nameof(AllocationMeasurement))]
public class AllocationWindowsTests
{
    [Fact]
    public void A_window_that_allocates_every_time_fails_and_lists_every_window()
    {
        object? kept = null;
        AllocationWindows allocated = AllocationWindows.Measure(() => kept = new byte[1000]);

        Assert.False(allocated.Steady);
        Assert.Equal(AllocationWindows.MaxWindows, allocated.Windows.Count);
        var e = Assert.Throws<XunitException>(() => allocated.AssertSteady("1,000 bytes a call"));
        Assert.Equal("1,000 bytes a call: every window allocated (bytes on the calling thread + on the workers): "
            + "1,024 + 0; 1,024 + 0; 1,024 + 0; 1,024 + 0.", e.Message);
        GC.KeepAlive(kept);
    }

    [Fact]
    public void A_one_off_allocation_costs_one_more_window()
    {
        int calls = 0;
        object? kept = null;
        AllocationWindows allocated = AllocationWindows.Measure(() =>
        {
            if (calls++ == 0) kept = new byte[1000];
        });

        allocated.AssertSteady("a first call that allocates");
        Assert.Equal([(1024L, 0L), (0L, 0L)], allocated.Windows);
        GC.KeepAlive(kept);
    }
}
