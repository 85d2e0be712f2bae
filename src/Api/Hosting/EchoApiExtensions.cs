using EchoAtTime.Api.Accept;
using EchoAtTime.Api.Http;
using EchoAtTime.Api.Queries;
using EchoAtTime.Api.Schedules;
using EchoAtTime.Storage;
using EchoAtTime.Storage.Clock;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Hosting;

public static class EchoApiExtensions
{
    public const string ReadyTag = "ready";

    /// <summary>
    /// Tag of checks that mean "this process should be restarted": <c>/health/live</c> runs only these.
    /// </summary>
    public const string LiveTag = "live";

    /// <summary>
    /// The HTTP API's services: limits, writer and reader, problem details, OpenAPI and health checks (Redis,
    /// the store's durability settings, shutdown). Silo and gateway both accept writes, so both check the store.
    /// </summary>
    public static IHostApplicationBuilder AddEchoApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section);
        builder.Services.TryAddSingleton<ApiKeyRing>();
        builder.Services.AddSingleton<AccessPolicy>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AccessPolicy>());
        builder.Services.AddWriteLimit();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<EchoOptions>().BindConfiguration(EchoOptions.Section);
        builder.Services.TryAddSingleton<ClusterClock>();
        builder.Services.TryAddKeyedSingleton<TimeProvider>(AcceptClock.Key, (sp, _) => sp.GetRequiredService<ClusterClock>());
        builder.Services.TryAddSingleton<SlotStore>();
        builder.Services.AddSingleton<MessageWriter>();
        builder.Services.AddSingleton<MessageReader>();
        builder.Services.AddSingleton<MessageMover>();
        builder.Services.AddHostedService<MoveRecovery>();
        builder.Services.TryAddSingleton<ScheduleStore>();
        builder.Services.AddSingleton<ScheduleService>();
        builder.Services.AddSingleton<ScheduleStopper>();
        builder.Services.AddSingleton<ScheduleMaterializer>();
        builder.Services.AddHostedService<ScheduleLoop>();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<EchoMetrics>();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Routing's own 415 (a body that is not declared JSON) says only "Unsupported Media Type": say what to
            // send.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType)
            {
                context.ProblemDetails.Detail ??= RequestBody.SendJson;
            }
        });
        builder.Services.AddEchoOpenApi();
        builder.Services.AddSingleton<ShutdownDrain>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        builder.Services.AddSingleton<StoreSettingsCheck>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreSettingsCheck>());
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ApiOptions>>((host, api) =>
            host.ShutdownTimeout = api.Value.ShutdownDrainDelay + api.Value.ShutdownTimeout);
        builder.Services.AddHealthChecks()
            .AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag])
            .AddCheck<ShutdownDrain>("shutdown", tags: [ReadyTag])
            .AddCheck<StoreSettingsCheck>("store-settings", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Before any endpoint runs: the browser-facing headers (on refusals too), then who may call —
    /// protected mode (loopback only while no key is set) — and how fast it may write. The key
    /// itself is checked by the endpoints that need it.
    /// </summary>
    public static IApplicationBuilder UseEchoAccess(this IApplicationBuilder app)
    {
        app.UseSecurityHeaders();
        app.UseProtectedMode();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// The endpoints: scheduling, messages and their page, health (all, live, ready) and the OpenAPI document.
    /// </summary>
    public static IEndpointRouteBuilder MapEchoApi(this IEndpointRouteBuilder app)
    {
        app.MapEchoEndpoints();
        app.MapMessageEndpoints();
        app.MapScheduleEndpoints();
        app.MapMessagesPage();
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponse.WriteAsync,
        });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = HealthResponse.WriteAsync,
        });
        app.MapOpenApi();
        return app;
    }
}
