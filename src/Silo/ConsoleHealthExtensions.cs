using EchoAtTime.Api.Hosting;
using EchoAtTime.Grains.Output;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EchoAtTime.Silo;

public static class ConsoleHealthExtensions
{
    /// <summary>
    /// The console's health for the stdout sink, the check reporting it (ready and live: a silo
    /// without a console is of no use), and the silo leaving the cluster when the console is given up.
    /// </summary>
    public static IServiceCollection AddConsoleHealth(this IServiceCollection services)
    {
        services.TryAddSingleton<ConsoleHealth>();
        services.AddHostedService<PrintFailureExit>();
        services.AddHealthChecks().AddCheck<ConsoleHealthCheck>("console", tags: [EchoApiExtensions.ReadyTag, EchoApiExtensions.LiveTag]);
        return services;
    }
}
