using EchoAtTime.Api.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Http;

/// <summary>
/// Closed by default, the way Redis and Hangfire ship: a key makes the API open to whoever has it;
/// no key serves loopback clients only, unless <c>Echo:AllowAnonymous</c> opens it to everyone.
/// Said once at start (a warning when open to everyone; never a key), and on readiness.
/// </summary>
public sealed partial class AccessPolicy(ApiKeyRing keys, IOptions<ApiOptions> options, ILogger<AccessPolicy> logger)
    : IHostedService
{
    public AccessMode Mode { get; } =
        !keys.IsEmpty ? AccessMode.ApiKey
        : options.Value.AllowAnonymous ? AccessMode.Anonymous
        : AccessMode.LoopbackOnly;

    /// <summary>The mode as <c>/health/ready</c>'s JSON names it.</summary>
    public string Name => Mode switch
    {
        AccessMode.ApiKey => "api-key",
        AccessMode.Anonymous => "anonymous",
        _ => "loopback-only",
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        switch (Mode)
        {
            case AccessMode.ApiKey:
                LogKeys(logger, keys.Count);
                break;
            case AccessMode.Anonymous:
                LogAnonymous(logger);
                break;
            default:
                LogLoopbackOnly(logger);
                break;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Access: writes, the listing, the messages page and the dashboard need one of {Count} API keys (X-Api-Key)")]
    private static partial void LogKeys(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Access: no API key is set, so only loopback clients are served (others get 403); "
        + "set Echo:ApiKey to serve others with it, or Echo:AllowAnonymous=true to serve everyone")]
    private static partial void LogLoopbackOnly(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Access: Echo:AllowAnonymous=true and no API key: anyone who reaches this port can schedule, cancel "
        + "and reschedule messages, read them and open the dashboard")]
    private static partial void LogAnonymous(ILogger logger);
}
