using EchoAtTime.Grains.Output;
using EchoAtTime.Grains.Slots;
using EchoAtTime.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EchoAtTime.Grains;

public static class EchoGrainsServiceCollectionExtensions
{
    /// <summary>
    /// The silo side of the service: slot store, output sink (console unless one is registered),
    /// and the catch-up sweeper. Expects an <c>IConnectionMultiplexer</c> and <see cref="EchoOptions"/>.
    /// </summary>
    public static IServiceCollection AddEchoGrains(this IServiceCollection services)
    {
        services.AddOptions<EchoOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEchoSink, ConsoleEchoSink>();
        services.AddMetrics();
        services.TryAddSingleton<EchoMetrics>();
        services.AddSingleton<SlotStore>();
        services.AddSingleton<DueClock>();
        services.AddSingleton<SlotSweeper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SlotSweeper>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SiloStartupLog>();
        return services;
    }
}
