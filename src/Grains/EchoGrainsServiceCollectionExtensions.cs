using EchoAtTime.Grains.Clock;
using EchoAtTime.Grains.Output;
using EchoAtTime.Grains.Slots;
using EchoAtTime.Storage;
using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace EchoAtTime.Grains;

public static class EchoGrainsServiceCollectionExtensions
{
    /// <summary>
    /// The silo side of the service: the cluster clock (and what keeps it measured), slot store,
    /// output sink (console unless one is registered), and the catch-up sweeper. Expects an
    /// <c>IConnectionMultiplexer</c> and <see cref="EchoOptions"/>. <see cref="TimeProvider"/> stays
    /// the local clock: Orleans resolves it for its own internals, which must not jump with offsets.
    /// </summary>
    public static IServiceCollection AddEchoGrains(this IServiceCollection services)
    {
        services.AddOptions<EchoOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEchoSink, ConsoleEchoSink>();
        services.AddMetrics();
        services.TryAddSingleton<EchoMetrics>();
        services.TryAddSingleton<SlotStore>();
        services.TryAddSingleton<ClusterClock>();
        services.AddSingleton<StoreClockSync>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<StoreClockSync>());
        services.AddSingleton(sp => new DueClock(sp.GetRequiredService<ClusterClock>(), sp.GetRequiredService<ILogger<DueClock>>()));
        services.AddSingleton<SlotPrintMemory>();
        services.AddSingleton<SlotSweeper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SlotSweeper>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SiloStartupLog>();
        return services;
    }
}
