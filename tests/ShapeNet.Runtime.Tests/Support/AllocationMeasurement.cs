namespace ShapeNet.Runtime.Tests.Support;

/// <summary>Tests that measure allocations run in this collection: alone, after the parallel ones, so the
/// process-wide counter (GC.GetTotalAllocatedBytes) sees only their own threads.</summary>
[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement;
