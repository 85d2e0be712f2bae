using System.Reflection;
using Orleans.Runtime;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// The grain factory the product's parts see: a call to a minute's grain (a writer's notice, a
/// neighbour's poke, a sweep) becomes a message in the world's mailbox, delivered or lost by a step.
/// </summary>
public class SimGrains : DispatchProxy
{
    private SimWorld _world = null!;
    private string _silo = "";

    internal static IGrainFactory Create(SimWorld world, string silo)
    {
        var proxy = Create<IGrainFactory, SimGrains>();
        var self = (SimGrains)(object)proxy;
        (self._world, self._silo) = (world, silo);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IGrainFactory.GetGrain) && targetMethod.ReturnType == typeof(ITimeSlotGrain) && args?[0] is long minute)
        {
            return SimGrainReference.Create(_world, _silo, minute);
        }

        throw new NotSupportedException($"The simulation has no {targetMethod}.");
    }
}

/// <summary>One minute's grain as a caller holds it: its calls go to the mailbox.</summary>
public class SimGrainReference : DispatchProxy
{
    private SimWorld _world = null!;
    private string _silo = "";
    private long _minute;

    internal static ITimeSlotGrain Create(SimWorld world, string silo, long minute)
    {
        var proxy = Create<ITimeSlotGrain, SimGrainReference>();
        var self = (SimGrainReference)(object)proxy;
        (self._world, self._silo, self._minute) = (world, silo, minute);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        switch (targetMethod.Name)
        {
            case nameof(ITimeSlotGrain.Wake):
                _world.Post(new GrainMail(_silo, _minute, null));
                return Task.CompletedTask;
            case nameof(ITimeSlotGrain.CheckAppended):
                _world.Post(new GrainMail(_silo, _minute, (long)args![0]!));
                return Task.CompletedTask;
            default:
                throw new NotSupportedException($"The simulation has no {targetMethod}.");
        }
    }
}

/// <summary>A call to a minute's grain on its way: a wake, or a notice with its earliest due time.</summary>
internal sealed record GrainMail(string FromSilo, long Minute, long? CheckAppendedDueMs);
