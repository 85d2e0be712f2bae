using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace EchoAtTime.Api.Hosting;

/// <summary>
/// Reads the store's durability settings (<c>appendonly</c>, <c>appendfsync</c>,
/// <c>maxmemory-policy</c>) at start and after every reconnect (a failover may land on a
/// differently configured server), and logs them once: a 202 is only as durable as these. A store
/// that may evict keys makes this process not ready: eviction deletes accepted messages without
/// an error anywhere. Weak fsync only warns: that is an operator's trade-off, not a silent loss in
/// normal operation. Servers that refuse CONFIG (Garnet, managed Redis) are noted once and never
/// fail anything. The readiness probe re-reads, so a runtime CONFIG SET shows up there too.
/// </summary>
public sealed partial class StoreSettingsCheck(IConnectionMultiplexer redis, ILogger<StoreSettingsCheck> logger) : IHostedService, IHealthCheck
{
    private static readonly string[] Names = ["appendonly", "appendfsync", "maxmemory-policy"];

    private readonly Lock _gate = new();
    private IReadOnlyList<StoreDurability> _durability = [];
    private string? _unreadable;
    private bool _refused;
    private bool _refusalLogged;

    /// <summary>
    /// Reads one setting of one server (<c>CONFIG GET</c>). Tests replace it to play settings a store
    /// cannot be switched to at run time (Garnet takes no <c>CONFIG SET</c>), on top of its real answers.
    /// </summary>
    internal Func<IServer, string, Task<string?>> ConfigGet { get; init; } = ConfigGetAsync;

    /// <summary>The last reading, one entry per primary server; empty before the first or when CONFIG is refused.</summary>
    public IReadOnlyList<StoreDurability> Durability
    {
        get
        {
            lock (_gate)
            {
                return _durability;
            }
        }
    }

    /// <summary>Why the settings could not be read (CONFIG refused, or not reported), or null.</summary>
    public string? Unreadable
    {
        get
        {
            lock (_gate)
            {
                return _unreadable;
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored += OnConnectionRestored;
        await RefreshAsync(announce: true, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored -= OnConnectionRestored;
        return Task.CompletedTask;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await RefreshAsync(announce: false, cancellationToken).ConfigureAwait(false);
        var durability = Durability;
        if (durability.FirstOrDefault(d => d.EvictsKeys) is { } evicting)
        {
            return HealthCheckResult.Unhealthy($"Store {evicting.Server}: {evicting.Settings}: {evicting.Risk}");
        }

        if (Unreadable is { } reason)
        {
            return HealthCheckResult.Healthy($"Store durability settings could not be read: {reason}");
        }

        if (durability.Count == 0)
        {
            return HealthCheckResult.Healthy("Store durability settings not read yet: the store has not answered");
        }

        return HealthCheckResult.Healthy(string.Join("; ", durability.Select(d => $"{d.Server}: {d.Settings}" + (d.Risk is { } risk ? $": {risk}" : ""))));
    }

    /// <summary>
    /// Reads the settings now and logs them when <paramref name="announce"/> is set or they changed.
    /// A store that can't be reached keeps the last reading; one that refused CONFIG is asked again
    /// only when announcing (start, reconnect).
    /// </summary>
    public async Task<IReadOnlyList<StoreDurability>> RefreshAsync(bool announce, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_refused && !announce)
            {
                return _durability;
            }
        }

        IReadOnlyList<StoreDurability> read;
        try
        {
            read = await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRefusal(ex))
        {
            Refused(ex.Message);
            return Durability;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
            if (announce)
            {
                LogNotReadYet(ex.Message);
            }

            return Durability;
        }

        if (read.Count > 0 && read.All(d => !d.IsKnown))
        {
            Refused("the store reports none of them");
            return Durability;
        }

        bool changed;
        lock (_gate)
        {
            changed = !read.SequenceEqual(_durability);
            (_durability, _unreadable, _refused) = (read, null, false);
        }

        if (announce || changed)
        {
            foreach (var server in read)
            {
                if (server.Risk is { } risk)
                {
                    LogAtRisk(server.Server, server.Settings, risk);
                }
                else
                {
                    LogDurable(server.Server, server.Settings);
                }
            }
        }

        return read;
    }

    private async Task<IReadOnlyList<StoreDurability>> ReadAsync(CancellationToken cancellationToken)
    {
        var servers = redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
        if (servers.Count == 0)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "no connected primary");
        }

        var result = new List<StoreDurability>(servers.Count);
        foreach (var server in servers)
        {
            var values = await Task.WhenAll(Names.Select(name => ConfigGet(server, name))).WaitAsync(cancellationToken).ConfigureAwait(false);
            result.Add(new StoreDurability(server.EndPoint.ToString() ?? "store", values[0], values[1], values[2]));
        }

        return result;
    }

    // Plain Execute rather than IServer.ConfigGet, which needs allowAdmin on the connection: reading
    // three settings should not open the connection up to FLUSHALL and friends.
    internal static async Task<string?> ConfigGetAsync(IServer server, string name)
    {
        var reply = await server.ExecuteAsync("CONFIG", "GET", name).ConfigureAwait(false);
        return reply.Resp2Type == ResultType.Array && (RedisResult[])reply! is [_, var value, ..] ? (string?)value : null;
    }

    // Loading and failover errors pass; anything else the server (or the client library) says no to is a refusal.
    private static bool IsRefusal(Exception ex) =>
        ex is RedisCommandException
        || (ex is RedisServerException server && !server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            && !server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal) && !server.Message.StartsWith("BUSY", StringComparison.Ordinal));

    private void Refused(string reason)
    {
        bool first;
        lock (_gate)
        {
            (_durability, _unreadable, _refused) = ([], reason, true);
            first = !_refusalLogged;
            _refusalLogged = true;
        }

        if (first)
        {
            LogUnreadable(reason);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            _ = RefreshAsync(announce: true);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store durability ({Server}): {Settings}")]
    private partial void LogDurable(string server, string settings);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store durability ({Server}): {Settings}: {Risk}")]
    private partial void LogAtRisk(string server, string settings, string risk);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store durability settings could not be read ({Reason}); not checked, nothing fails because of it")]
    private partial void LogUnreadable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store durability settings not read yet ({Reason}); read again on reconnect and by the readiness probe")]
    private partial void LogNotReadYet(string reason);
}
