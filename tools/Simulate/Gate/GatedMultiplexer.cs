using System.Reflection;
using StackExchange.Redis;

namespace EchoAtTime.Simulate.Gate;

/// <summary>
/// An <see cref="IConnectionMultiplexer"/> for one simulated silo: its databases are gated
/// (<see cref="GatedDatabase"/>); servers, topology and hash slots come from the real connection.
/// </summary>
public class GatedMultiplexer : DispatchProxy
{
    private IConnectionMultiplexer _real = null!;
    private IDatabase _gated = null!;

    internal static IConnectionMultiplexer Create(IConnectionMultiplexer real, StoreGate gate, string silo)
    {
        var proxy = Create<IConnectionMultiplexer, GatedMultiplexer>();
        var self = (GatedMultiplexer)(object)proxy;
        (self._real, self._gated) = (real, GatedDatabase.Create(real.GetDatabase(), gate, silo));
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return targetMethod.Name == nameof(IConnectionMultiplexer.GetDatabase) ? _gated : targetMethod.Invoke(_real, args);
    }
}
