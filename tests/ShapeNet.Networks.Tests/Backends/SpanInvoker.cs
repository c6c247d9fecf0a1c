using System.Reflection;
using System.Reflection.Emit;

namespace ShapeNet.Networks.Tests.Backends;

/// <summary>Calls any method through reflection, including ones that take <c>Span&lt;T&gt;</c>/<c>ReadOnlySpan&lt;T&gt;</c> (which
/// <see cref="MethodBase.Invoke(object?, object?[])"/> cannot box) and <c>in</c> structs: a span argument is given as an array
/// and wrapped by the emitted stub. Used by the length audit (<see cref="LengthAuditTests"/>) to call every public kernel.</summary>
internal static class SpanInvoker
{
    public static Action<object?, object?[]> For(MethodInfo method)
    {
        var stub = new DynamicMethod("invoke_" + method.Name, typeof(void), [typeof(object), typeof(object[])], typeof(SpanInvoker).Module, true);
        ILGenerator il = stub.GetILGenerator();
        if (!method.IsStatic)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Castclass, method.DeclaringType!);
        }
        ParameterInfo[] parameters = method.GetParameters();
        for (int i = 0; i < parameters.Length; i++)
        {
            Type type = parameters[i].ParameterType;
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldc_I4, i);
            il.Emit(OpCodes.Ldelem_Ref);
            if (type.IsByRef)
            {
                // `in T` (and `ref T`): a managed pointer into the boxed argument.
                il.Emit(OpCodes.Unbox, type.GetElementType()!);
            }
            else if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Span<>) || type.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>)))
            {
                Type element = type.GetGenericArguments()[0];
                il.Emit(OpCodes.Castclass, element.MakeArrayType());
                il.Emit(OpCodes.Newobj, type.GetConstructor([element.MakeArrayType()])!);
            }
            else if (type.IsValueType)
            {
                il.Emit(OpCodes.Unbox_Any, type);
            }
            else
            {
                il.Emit(OpCodes.Castclass, type);
            }
        }
        il.Emit(method.IsStatic || method.DeclaringType!.IsValueType ? OpCodes.Call : OpCodes.Callvirt, method);
        if (method.ReturnType != typeof(void)) il.Emit(OpCodes.Pop);
        il.Emit(OpCodes.Ret);
        return (Action<object?, object?[]>)stub.CreateDelegate(typeof(Action<object?, object?[]>));
    }
}
