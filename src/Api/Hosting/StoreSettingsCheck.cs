using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Api.Hosting;

/// <summary>
/// Reads the store's durability settings (<see cref="StoreDurability"/>) at start, after every
/// reconnect (a failover may land on a differently configured server), every 10 s and on every
/// readiness probe, and logs them when they change: a 202 is only as durable as these. Writes are
/// refused (503, <see cref="WriteRefusal"/>) and the process is not ready while the store may evict
/// keys, or may lose acknowledged writes and the operator did not accept that
/// (<c>Echo:AllowWeakDurability</c>). A server that refuses <c>CONFIG</c> (ACLs, managed Redis) leaves
/// the settings unknown: that is warned once, and writes go on — refusing every write on a store
/// that is probably fine would turn a missing permission into an outage.
/// </summary>
public sealed partial class StoreSettingsCheck(IConnectionMultiplexer redis, IOptions<ApiOptions> options, ILogger<StoreSettingsCheck> logger)
    : IHostedService, IHealthCheck, IDisposable
{
    private static readonly string[] Names = ["appendonly", "appendfsync", "maxmemory-policy", "aof-commit-wait"];
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _allowWeakDurability = options.Value.AllowWeakDurability;

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

    /// <summary>
    /// Reads Garnet's log directory (<c>INFO store</c>; null on Redis). Tests replace it like <see cref="ConfigGet"/>.
    /// </summary>
    internal Func<IServer, Task<string?>> LogDirGet { get; init; } = LogDirGetAsync;

    /// <summary>
    /// Why writes are refused now (the last reading), or null: the answer's detail of every refused write.
    /// </summary>
    public string? WriteRefusal => Durability.Select(d => d.WriteRefusal(_allowWeakDurability)).FirstOrDefault(r => r is not null);

    /// <summary>
    /// The last reading, one entry per primary server; empty before the first or when CONFIG is refused.
    /// </summary>
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
        _ = RefreshEveryIntervalAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored -= OnConnectionRestored;
        await _stopping.CancelAsync().ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await RefreshAsync(announce: false, cancellationToken).ConfigureAwait(false);
        var durability = Durability;
        if (WriteRefusal is { } refusal)
        {
            return HealthCheckResult.Unhealthy($"{refusal}; writes answer 503");
        }

        if (Unreadable is { } reason)
        {
            return HealthCheckResult.Healthy($"Store durability settings unknown, can't be checked ({reason}); writes are allowed");
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
                if (server.WriteRefusal(_allowWeakDurability) is not null)
                {
                    LogRefusingWrites(server.Server, server.Settings, server.Risk!);
                }
                else if (server.Risk is { } risk)
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
            var logDir = await LogDirGet(server).WaitAsync(cancellationToken).ConfigureAwait(false);
            result.Add(new StoreDurability(server.EndPoint.ToString() ?? "store", values[0], values[1], values[2], values[3], logDir));
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

    /// <summary>
    /// Garnet's <c>LogDir:</c> line of <c>INFO store</c> (empty without a storage tier); null where there is none
    /// (Redis).
    /// </summary>
    internal static async Task<string?> LogDirGetAsync(IServer server)
    {
        string info;
        try
        {
            info = (string?)await server.ExecuteAsync("INFO", "store").ConfigureAwait(false) ?? "";
        }
        catch (RedisServerException)
        {
            return null; // INFO refused: the tier stays unknown, the CONFIG settings are still judged
        }

        return info.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith("LogDir:", StringComparison.Ordinal))?["LogDir:".Length..];
    }

    private async Task RefreshEveryIntervalAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                await RefreshAsync(announce: false, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store durability ({Server}): {Settings}: {Risk}; accepted (Echo:AllowWeakDurability)")]
    private partial void LogAtRisk(string server, string settings, string risk);

    [LoggerMessage(Level = LogLevel.Error, Message = "Store durability ({Server}): {Settings}: {Risk}; writes answer 503 until it is fixed")]
    private partial void LogRefusingWrites(string server, string settings, string risk);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Store durability settings unknown, can't be checked ({Reason}); writes are allowed: make sure the store keeps appendonly yes, appendfsync always and maxmemory-policy noeviction (Garnet: --aof-commit-wait, --storage-tier)")]
    private partial void LogUnreadable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store durability settings not read yet ({Reason}); read again on reconnect and by the readiness probe")]
    private partial void LogNotReadYet(string reason);
}
