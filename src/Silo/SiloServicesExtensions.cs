using Orleans.Dashboard;
using System.Globalization;
using EchoAtTime.Api.Hosting;
using EchoAtTime.Grains;
using EchoAtTime.Storage;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;

namespace EchoAtTime.Silo;

public static partial class SiloServicesExtensions
{
    /// <summary>
    /// Everything the silo host runs: logs on stderr, the store (configured Redis, else embedded
    /// Garnet), an Orleans silo on it (clustering, grain storage, dashboard), the slot
    /// grains and the HTTP API.
    /// </summary>
    public static WebApplicationBuilder AddEchoServices(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.Logging.ClearProviders().AddStderrConsole();

        using var bootLoggers = LoggerFactory.Create(b => b
            .AddConfiguration(config.GetSection("Logging"))
            .AddStderrConsole());
        var bootLog = bootLoggers.CreateLogger("EchoAtTime.Silo");

        var connectionString = config[EchoHosting.RedisConnectionStringKey];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var dataDir = config["Echo:DataDir"] is { Length: > 0 } dir ? dir : "data";
            var garnetLoggers = LoggerFactory.Create(b => b
                .SetMinimumLevel(LogLevel.Warning)
                // Garnet warns that it got our logger factory instead of its own file logger: by design here.
                .AddFilter("ArgParser", LogLevel.Error)
                .AddStderrConsole());
            EmbeddedStore store;
            try
            {
                store = EmbeddedStore.Start(
                    dataDir, config.GetValue("Echo:EmbeddedPort", 0), config.GetValue("Echo:EmbeddedCommitWait", true), garnetLoggers,
                    config["Echo:EmbeddedLogMemory"] is { Length: > 0 } memory ? memory : GarnetCommandLine.DefaultLogMemory);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
            {
                LogEmbeddedStoreRefused(bootLog, ex.Message);
                throw new StartRefusedException(ex.Message);
            }

            builder.Services.AddSingleton(store);
            connectionString = store.ConnectionString;
            if (!store.CommitWait && config["Echo:AllowWeakDurability"] is null)
            {
                // Echo:EmbeddedCommitWait=false already is the operator's acceptance of weaker durability:
                // the store check would otherwise refuse the writes of the store this silo itself started so.
                config["Echo:AllowWeakDurability"] = "true";
            }
            LogEmbeddedStore(bootLog, store.DataDir, store.Port, store.CommitWait ? "a reply waits for the log's commit" : "replies may precede the log's commit (Echo:EmbeddedCommitWait=false)");
        }
        else
        {
            var redacted = RedactPassword(connectionString);
            LogExternalStore(bootLog, redacted);
        }

        // One multiplexer for the whole silo: our slot store and Orleans' two Redis providers.
        var redis = EchoHosting.RedisOptions(connectionString);
        var multiplexer = ConnectionMultiplexer.Connect(redis);
        builder.Services.AddSingleton<IConnectionMultiplexer>(multiplexer);
        Task<(IConnectionMultiplexer, bool)> Shared(object _) => Task.FromResult(((IConnectionMultiplexer)multiplexer, true));

        var clusterId = EchoHosting.ClusterId(config);
        var siloPort = config.GetValue("Orleans:SiloPort", EndpointOptions.DEFAULT_SILO_PORT);
        var gatewayPort = config.GetValue("Orleans:GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT);
        var advertised = AdvertisedAddress.Resolve(config[AdvertisedAddress.Key]);
        var listenOnAny = AdvertisedAddress.ListensOnAnyAddress(config[AdvertisedAddress.ListenOnAnyKey]);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => EchoHosting.ConfigureCluster(o, config));
            silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: listenOnAny);
            silo.UseRedisClustering(o => (o.ConfigurationOptions, o.CreateMultiplexer) = (redis, Shared));
            silo.AddRedisGrainStorageAsDefault(o => (o.ConfigurationOptions, o.CreateMultiplexer) = (redis, Shared));
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                // A killed silo is declared dead after two missed 2 s probes (Orleans: 3 × 5 s), so
                // its slots resume elsewhere within seconds. Override under Orleans:Membership.
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                config.GetSection("Orleans:Membership").Bind(o);
            });
            silo.AddDashboard();
            silo.Services.AddEchoGrains();
        });
        LogSilo(bootLog, clusterId, siloPort, gatewayPort, listenOnAny ? "every address" : advertised.ToString());

        builder.AddEchoApi();
        builder.AddEchoTelemetry("EchoAtTime.Silo");
        builder.Services.AddHealthChecks()
            .AddCheck<SiloHealthCheck>("silo", tags: [EchoApiExtensions.ReadyTag])
            .AddCheck<ClusterClockHealthCheck>("clock", tags: [EchoApiExtensions.ReadyTag]);
        builder.Services.AddConsoleHealth();
        return builder;
    }

    private static string RedactPassword(string connectionString) =>
        string.Join(',', connectionString.Split(',').Select(part =>
            part.TrimStart().StartsWith("password=", true, CultureInfo.InvariantCulture) ? "password=***" : part));

    [LoggerMessage(Level = LogLevel.Critical, Message = "Store: the embedded store did not start: {Problem}")]
    private static partial void LogEmbeddedStoreRefused(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store: embedded Garnet at 127.0.0.1:{Port} (a new password each start, for this silo alone), persisting to {DataDir}; {Durability}")]
    private static partial void LogEmbeddedStore(ILogger logger, string dataDir, int port, string durability);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store: Redis at {Redis}")]
    private static partial void LogExternalStore(ILogger logger, string redis);

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Silo joins cluster {ClusterId}: silo port {SiloPort}, gateway port {GatewayPort}, listening on {Listening}")]
    private static partial void LogSilo(
        ILogger logger, string clusterId, int siloPort, int gatewayPort, string listening);
}
