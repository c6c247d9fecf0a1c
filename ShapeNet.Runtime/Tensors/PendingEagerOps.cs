// SCAFFOLD: placeholders so the runtime compiles while the eager tensor API is written. The helper writing
// the tensor API deletes this file and implements every member for real.
namespace ShapeNet;

public sealed partial class Tensor
{
    public Tensor Relu() => throw new NotImplementedException();
    public Tensor Sigmoid() => throw new NotImplementedException();
    public Tensor Tanh() => throw new NotImplementedException();
    public Tensor Exp() => throw new NotImplementedException();
    public Tensor Log() => throw new NotImplementedException();
    public Tensor Abs() => throw new NotImplementedException();
    public Tensor Sqrt() => throw new NotImplementedException();
    public Tensor Pow(double exponent) => throw new NotImplementedException();
    public Tensor Detach() => throw new NotImplementedException();
    public Tensor Softmax(int axis) => throw new NotImplementedException();
    public Tensor LogSoftmax(int axis) => throw new NotImplementedException();
    public Tensor Flatten(int startDim) => throw new NotImplementedException();
    public Tensor Reshape(params int[] shape) => throw new NotImplementedException();
    public Tensor Transpose(int dim0, int dim1) => throw new NotImplementedException();
    public static Tensor Cat(Tensor[] tensors, int axis) => throw new NotImplementedException();
    public Tensor MatMul(Tensor other) => throw new NotImplementedException();
    public Tensor Dot(Tensor other) => throw new NotImplementedException();
    public Tensor Sum() => throw new NotImplementedException();
    public Tensor Sum(int axis, bool keepDim = false) => throw new NotImplementedException();
    public Tensor Sum(int[] axes, bool keepDim = false) => throw new NotImplementedException();
    public Tensor Mean() => throw new NotImplementedException();
    public Tensor Mean(int axis, bool keepDim = false) => throw new NotImplementedException();
    public Tensor Mean(int[] axes, bool keepDim = false) => throw new NotImplementedException();
    internal static Tensor LinearForward(Tensor input, Tensor weight, Tensor? bias) => throw new NotImplementedException();
}

public static class Losses
{
    public static Tensor Mse(Tensor input, Tensor target, Reduction reduction) => throw new NotImplementedException();
    public static Tensor Bce(Tensor input, Tensor target, Reduction reduction) => throw new NotImplementedException();
    public static Tensor BceWithLogits(Tensor input, Tensor target, Reduction reduction) => throw new NotImplementedException();
    public static Tensor CrossEntropy(Tensor input, Tensor target, Reduction reduction) => throw new NotImplementedException();
    public static Tensor Nll(Tensor input, Tensor target, Reduction reduction) => throw new NotImplementedException();
}
