using System.Reflection;

namespace EchoAtTime.AcceptBench;

/// <summary>
/// The grain factory of a writer whose messages are all due beyond the notice lead: never called (a call throws, which
/// tells the benchmark its messages came too near).
/// </summary>
public class NoGrains : DispatchProxy
{
    public static IGrainFactory Instance { get; } = Create<IGrainFactory, NoGrains>();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        throw new NotSupportedException($"The benchmark's writer called {targetMethod?.Name}: a message was due within the notice lead.");
}
