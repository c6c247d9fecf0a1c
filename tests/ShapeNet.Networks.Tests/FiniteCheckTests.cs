using ShapeNet.Networks.Tests.Networks;
using ShapeNet.Networks.Tests.Support;
using ShapeNet.Optim;

namespace ShapeNet.Networks.Tests;

/// <summary>Issue 8: a run whose loss became NaN continued silently. A plan's opt-in finite check (PyTorch's anomaly detection)
/// names the first op that produced a non-finite value.</summary>
public class FiniteCheckTests
{
    private const int Batch = 4;
    private static readonly float[] Labels = [0, 1, 2, 3];

    private static MnistMlp.Plan Plan(MnistMlp model)
    {
        MnistMlp.Plan plan = model.CreatePlan(Batch);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0.01f));
        return plan;
    }

    [Fact]
    public void A_NaN_input_is_named_as_the_first_non_finite_value()
    {
        using MnistMlp.Plan plan = Plan(new MnistMlp(seed: 1));
        plan.CheckFinite = true;
        float[] x = TestData.Normal(1, Batch * 784);
        x[5] = float.NaN;

        var e = Assert.Throws<NonFiniteException>(() => plan.TrainStep(x, Labels, Batch));
        Assert.Equal("x", e.Producer);
        Assert.Equal(5, e.Index);
        Assert.Equal("'x' produced NaN at element 5 of 3,136: the first non-finite value of this pass; everything it was computed from was finite (CheckFinite is on).", e.Message);
    }

    [Fact]
    public void An_overflowing_layer_is_named_not_the_ops_after_it()
    {
        var model = new MnistMlp(seed: 2);
        model.Parameters.Single(p => p.Name == "fc2.weight").Value.Data.AsSpan().Fill(3e38f);
        using MnistMlp.Plan plan = Plan(model);
        plan.CheckFinite = true;
        float[] x = TestData.Normal(2, Batch * 784);

        var e = Assert.Throws<NonFiniteException>(() => plan.TrainStep(x, Labels, Batch));
        // Fc2 is fused with its Relu: the value checked is the fused call's.
        Assert.Equal("'Relu(Fc2(h))' produced +infinity at element 0 of 1,024: the first non-finite value of this pass; " +
            "everything it was computed from was finite (CheckFinite is on).", e.Message);
    }

    [Fact]
    public void Without_the_check_the_same_step_runs_and_the_loss_is_not_finite()
    {
        var model = new MnistMlp(seed: 2);
        model.Parameters.Single(p => p.Name == "fc2.weight").Value.Data.AsSpan().Fill(3e38f);
        using MnistMlp.Plan plan = Plan(model);
        plan.TrainStep(TestData.Normal(2, Batch * 784), Labels, Batch);
        Assert.False(float.IsFinite(plan.Loss));
    }

    [Fact]
    public void With_finite_values_the_check_changes_nothing()
    {
        using MnistMlp.Plan checkedPlan = Plan(new MnistMlp(seed: 3));
        using MnistMlp.Plan plain = Plan(new MnistMlp(seed: 3));
        checkedPlan.CheckFinite = true;
        float[] x = TestData.Normal(3, Batch * 784);
        checkedPlan.TrainStep(x, Labels, Batch);
        plain.TrainStep(x, Labels, Batch);
        Assert.Equal(plain.Loss, checkedPlan.Loss);
    }

    /// <summary>Issue 8 follow-up: the check read an IntTensor input's int32 buffer as floats (the CPU backend refused it, so
    /// any network with ids or lengths failed its first checked step). Ints are finite: their buffers are not checked.</summary>
    [Fact]
    public void Int32_inputs_are_not_read_as_floats_and_the_checked_step_equals_the_unchecked_one()
    {
        const int batch = 3;
        int[] idValues = new int[7 * batch];
        for (int i = 0; i < idValues.Length; i++) idValues[i] = (i * 5 + 1) % 32;
        var ids = new IntTensor<GoldenSteps, Batch>(new IntTensor(idValues, 7, batch));
        var lengths = new IntTensor<Batch>(new IntTensor([7, 4, 1], batch));
        var labels = new IntTensor([0, 4, 2], batch);

        using BiGruNet.Plan checkedPlan = new BiGruNet(seed: 4).CreatePlan(batch);
        using BiGruNet.Plan plain = new BiGruNet(seed: 4).CreatePlan(batch);
        checkedPlan.Configure(Loss.CrossEntropy(), new Sgd(0.1f));
        plain.Configure(Loss.CrossEntropy(), new Sgd(0.1f));
        checkedPlan.CheckFinite = true;
        checkedPlan.TrainStep(ids, lengths, labels);
        plain.TrainStep(ids, lengths, labels);

        Assert.True(float.IsFinite(checkedPlan.Loss));
        Assert.Equal(plain.Loss, checkedPlan.Loss); // bit for bit: the check only reads
    }

    [Fact]
    public void A_NaN_embedding_row_is_named_after_the_int32_inputs_pass()
    {
        const int batch = 2;
        var model = new BiGruNet(seed: 5);
        model.Parameters.Single(p => p.Name == "embedding.weight").Value.Data[3 * 10 + 2] = float.NaN; // row 3, column 2
        using BiGruNet.Plan plan = model.CreatePlan(batch);
        plan.Configure(Loss.CrossEntropy(), new Sgd(0.1f));
        plan.CheckFinite = true;
        int[] idValues = new int[7 * batch];
        idValues[4] = 3; // step 2, example 0
        var e = Assert.Throws<NonFiniteException>(() => plan.TrainStep(new IntTensor<GoldenSteps, Batch>(new IntTensor(idValues, 7, batch)),
            new IntTensor<Batch>(new IntTensor([7, 7], batch)), new IntTensor([1, 2], batch)));
        Assert.Equal("Embedding(ids)", e.Producer);
        Assert.Equal(4 * 10 + 2, e.Index); // row 4 of the output (step 2, example 0), column 2
    }

    // ---- the backward pass: gradients are checked after the backward of the op that writes them ----------------------------

    [Fact]
    public void A_gradient_that_turns_infinite_in_the_backward_is_named_with_the_op_whose_backward_wrote_it()
    {
        const int batch = 2;
        var model = new SqrtAtZeroNet(seed: 6);
        // Fc's pre-activations are all −1, so Relu gives 0 and Sqrt(0) = 0: the forward is finite, Sqrt's derivative is not.
        model.Parameters.Single(p => p.Name == "fc.weight").Value.Data.AsSpan().Clear();
        model.Parameters.Single(p => p.Name == "fc.bias").Value.Data.AsSpan().Fill(-1f);
        using SqrtAtZeroNet.Plan plan = model.CreatePlan(batch);
        plan.Configure(Loss.Mse(), new Sgd(0.1f));
        plan.CheckFinite = true;
        float[] x = TestData.Normal(6, batch * 4), target = [1, 2, 3, 4];

        var e = Assert.Throws<NonFiniteException>(() => plan.TrainStep(x, target, batch));
        Assert.Equal("d(Relu(Fc(x))) in the backward of Sqrt(Relu(Fc(x)))", e.Producer);
        Assert.Equal(0, e.Index);
        Assert.False(float.IsFinite(e.Value));

        // Without the check the same step runs to the end: the loss is finite and the parameters take a non-finite update.
        using SqrtAtZeroNet.Plan plain = model.CreatePlan(batch);
        plain.Configure(Loss.Mse(), new Sgd(0.1f));
        plain.TrainStep(x, target, batch);
        Assert.True(float.IsFinite(plain.Loss));
    }

    [Fact]
    public void A_parameter_gradient_that_overflows_is_named_with_its_parameter()
    {
        const int batch = 2;
        var model = new OneLinearNet(seed: 7);
        model.Parameters.Single(p => p.Name == "fc.weight").Value.Data.AsSpan().Fill(1e-20f);
        model.Parameters.Single(p => p.Name == "fc.bias").Value.Data.AsSpan().Clear();
        using OneLinearNet.Plan plan = model.CreatePlan(batch);
        plan.Configure(Loss.Mse(), new Sgd(0.1f));
        plan.CheckFinite = true;
        plan.ComputeInputGradients = true;
        // y = x·Wᵀ = 4·10³⁰·10⁻²⁰ = 4·10¹⁰ and the loss 1.6·10²¹ are finite, dx = dy·W ≈ 10⁻¹⁰ too; dW = dyᵀ·x ≈ 4·10⁴⁰ is not.
        float[] x = Enumerable.Repeat(1e30f, batch * 4).ToArray(), target = new float[batch * 2];

        var e = Assert.Throws<NonFiniteException>(() => plan.TrainStep(x, target, batch));
        Assert.Equal("d(fc.weight) in the backward of Fc(x)", e.Producer);
        Assert.Equal(float.PositiveInfinity, e.Value);
        Assert.Equal("'d(fc.weight) in the backward of Fc(x)' produced +infinity at element 0 of 8: the first non-finite value of " +
            "this pass; everything it was computed from was finite (CheckFinite is on).", e.Message);
    }

    [Fact]
    public void A_non_finite_output_gradient_passed_to_Backward_is_named()
    {
        using MnistMlp.Plan plan = Plan(new MnistMlp(seed: 8));
        plan.CheckFinite = true;
        plan.SetBatch(Batch);
        plan.UploadInput(0, TestData.Normal(8, Batch * 784));
        plan.Forward(training: true);
        float[] gradient = new float[Batch * 10];
        gradient[13] = float.NegativeInfinity;

        var e = Assert.Throws<NonFiniteException>(() => plan.Backward(gradient));
        Assert.Equal("the output gradient passed to Backward", e.Producer);
        Assert.Equal(13, e.Index);
    }
}
