using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace EchoAtTime.Api.Hosting;

/// <summary>Host settings the silo and the gateway share, so they can't drift apart.</summary>
public static class EchoHosting
{
    public const string RedisConnectionStringKey = "Redis:ConnectionString";
    public const string DefaultClusterId = "echo-at-time";

    /// <summary>Every log line to stderr: stdout carries echoed messages and nothing else.</summary>
    public static ILoggingBuilder AddStderrConsole(this ILoggingBuilder logging) =>
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

    /// <summary>
    /// Keep reconnecting through a Redis restart (every 500 ms) instead of failing the process, and
    /// fail commands at once while disconnected: a POST answers 503 right away instead of stalling,
    /// and the slot grains retry on their own.
    /// </summary>
    public static ConfigurationOptions RedisOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        return options;
    }

    public static string ClusterId(IConfiguration config) => config["Orleans:ClusterId"] ?? DefaultClusterId;

    public static void ConfigureCluster(ClusterOptions options, IConfiguration config)
    {
        options.ClusterId = ClusterId(config);
        options.ServiceId = config["Orleans:ServiceId"] ?? DefaultClusterId;
    }
}
