using ShapeNet.Backends;
using ShapeNet.Backends.Cpu;
using ShapeNet.Runtime.Tests.Support;

namespace ShapeNet.Runtime.Tests.Cpu;

/// <summary>A 2-layer bidirectional GRU and LSTM with dropout and variable lengths (forward in training, backward, embedding)
/// allocate nothing once warm, on the calling thread and on the GEMM workers (the input projections, 256 × 192 × 64, are
/// large enough to be split over the workers).</summary>
[Collection(nameof(AllocationMeasurement))]
public class RecurrentZeroAllocationTests
{
    private const int Seq = 8, Batch = 32, Vocab = 63, Features = 64, Hidden = 64;

    private sealed class Stack
    {
        public readonly RecurrentDescriptor D;
        public readonly float[] Output, HN, CN, DhN, Reserve, Workspace, Dx;
        public readonly float[][] Parameters, Gradients;

        public Stack(RecurrentMode mode)
        {
            D = new RecurrentDescriptor(mode, Features, Hidden, 2, Bidirectional: true, Dropout: 0.2f);
            int states = 4 * Batch * Hidden;
            Output = new float[Seq * Batch * D.OutputSize];
            HN = new float[states];
            CN = new float[D.HasCellState ? states : 0];
            DhN = TestData.Uniform(7, states);
            Reserve = new float[CpuRecurrent.ReserveLength(D, Seq, Batch)];
            Workspace = new float[CpuRecurrent.WorkspaceLength(D, Seq, Batch)];
            Dx = new float[Seq * Batch * Features];
            Parameters = Enumerable.Range(0, D.ParameterTensorCount).Select(p => TestData.Uniform(10 + p, TestData.Count(D.ParameterShape(p)), -0.1f, 0.1f)).ToArray();
            Gradients = Parameters.Select(p => new float[p.Length]).ToArray();
        }
    }

    private readonly Stack _gru = new(RecurrentMode.Gru), _lstm = new(RecurrentMode.Lstm);
    private readonly float[] _table = TestData.Uniform(1, Vocab * Features), _dTable = new float[Vocab * Features];
    private readonly float[] _embedded = new float[Seq * Batch * Features];
    private readonly int[] _ids = Enumerable.Range(0, Seq * Batch).Select(i => i * 7 % Vocab).ToArray();
    private readonly int[] _lengths = Enumerable.Range(0, Batch).Select(b => 1 + b * 5 % Seq).ToArray();
    private uint _step;

    private void RunStep(Stack s)
    {
        CpuEmbedding.Embedding_Forward(_embedded, _table, _ids, Vocab, Features);
        CpuRecurrent.Recurrent_Forward(s.D, s.Output, s.HN, s.CN, s.Reserve, s.Workspace, _embedded, default, default, s.Parameters,
            _lengths, Seq, Batch, training: true, dropoutSeed: 3, dropoutStep: _step++);
        CpuRecurrent.Recurrent_Backward(s.D, s.Dx, default, default, s.Gradients, s.Workspace, default, s.DhN, default, s.Reserve,
            _embedded, s.Parameters, _lengths, Seq, Batch, training: true, accumulateDx: false, accumulateParameters: false);
        CpuEmbedding.Embedding_Backward(_dTable, s.Dx, _ids, Vocab, Features, paddingIdx: 0, accumulate: false);
    }

    private void RunSteps()
    {
        RunStep(_gru);
        RunStep(_lstm);
    }

    [Fact]
    public void Recurrent_steps_allocate_nothing_after_warm_up()
    {
        RunSteps();
        AllocationWindows.Measure(() =>
        {
            for (int i = 0; i < 2; i++) RunSteps();
        }).AssertSteady("2 rounds of GRU and LSTM steps");
    }
}
