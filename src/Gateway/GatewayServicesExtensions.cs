using EchoAtTime.Api.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace EchoAtTime.Gateway;

public static class GatewayServicesExtensions
{
    /// <summary>
    /// A stateless front end: an Orleans client that finds the silos through Redis clustering and
    /// serves the same HTTP API as a silo. Logs go to stderr.
    /// </summary>
    public static WebApplicationBuilder AddEchoServices(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.Logging.ClearProviders().AddStderrConsole();

        var redis = EchoHosting.RedisOptions(config[EchoHosting.RedisConnectionStringKey]!);
        var multiplexer = ConnectionMultiplexer.Connect(redis);
        builder.Services.AddSingleton<IConnectionMultiplexer>(multiplexer);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => EchoHosting.ConfigureCluster(o, config));
            client.UseRedisClustering(o => (o.ConfigurationOptions, o.CreateMultiplexer) =
                (redis, _ => Task.FromResult(((IConnectionMultiplexer)multiplexer, true))));
            // Notice new and dead silos within seconds rather than the default minute.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            // A request caught on a silo killed mid-call answers 503 after 10 s, not Orleans' 30 s.
            client.Configure<ClientMessagingOptions>(o =>
            {
                o.ResponseTimeout = TimeSpan.FromSeconds(10);
                config.GetSection("Orleans:Messaging").Bind(o);
            });
        });

        builder.AddEchoApi();
        builder.Services.AddHostedService<GatewayClockSync>();
        builder.Services.AddHealthChecks().AddCheck<GatewayClockHealthCheck>("clock", tags: [EchoApiExtensions.ReadyTag]);
        builder.AddEchoTelemetry("EchoAtTime.Gateway");
        return builder;
    }
}
