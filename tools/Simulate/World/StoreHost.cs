using System.Diagnostics;
using StackExchange.Redis;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// The real store of a run: redis-server or Garnet as a process of its own (the tests' StoreProcess),
/// and one client connection the silos' gates share. Between schedules it is emptied. A store that
/// loses writes is played as a crash and restart (a new run_id, so a new epoch) with what it last
/// persisted, as a lost <c>appendfsync everysec</c> window or an asynchronous failover leaves it:
/// <see cref="Persist"/> reads every key with its TTL (<see cref="KeySnapshot"/>), <see cref="LoseWritesAsync"/> kills
/// the process (Garnet: its server, in place), starts it on an empty directory and writes them back.
/// </summary>
internal sealed class StoreHost : IDisposable
{
    private readonly string _dir;
    private StoreProcess _process;
    private List<KeySnapshot> _persisted = [];

    private StoreHost(StoreProcess process, string dir, ConnectionMultiplexer connection)
    {
        (_process, _dir, Connection) = (process, dir, connection);
    }

    public ConnectionMultiplexer Connection { get; }

    public StoreKind Kind => _process.Kind;

    public static async Task<StoreHost> StartAsync(StoreKind kind)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"echo-sim-{Environment.ProcessId}");
        var process = new StoreProcess(LoopbackPorts.Shared.Next(), Path.Combine(dir, "0"), appendFsync: "no", kind: kind) { Small = true };
        await process.StartAsync();
        var options = ConfigurationOptions.Parse(process.ConnectionString + ",allowAdmin=true,syncTimeout=10000,asyncTimeout=10000");

        // A lost write is a restart: find it and reconnect within milliseconds, not the default second.
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
        options.ReconnectRetryPolicy = new LinearRetry(10);
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        return new StoreHost(process, dir, connection);
    }

    private IServer Server => Connection.GetServer(Connection.GetEndPoints()[0]);

    /// <summary>Empties the store for the next schedule; what was persisted goes too.</summary>
    public void Reset()
    {
        Server.Execute("FLUSHALL");
        _persisted = [];
    }

    /// <summary>
    /// The incarnation ids are appended under now (includes/storeEpoch.lua: 8 hex digits of the run_id), so a verdict
    /// can rank the incarnations of one run.
    /// </summary>
    public string Epoch()
    {
        var info = (string?)Server.Execute("INFO", "server") ?? "";
        var runId = info.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("run_id:", StringComparison.Ordinal))["run_id:".Length..];
        return runId[..8].ToLowerInvariant();
    }

    public void Persist()
    {
        var db = Connection.GetDatabase();
        _persisted = [.. Server.Keys(pattern: "*", pageSize: 1000).Select(k => KeySnapshot.Read(db, k))];
    }

    /// <summary>kill -9 and a restart with only what was persisted; returns once the store answers again.</summary>
    public async Task LoseWritesAsync()
    {
        var dir = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        if (_process.Kind == StoreKind.Garnet)
        {
            await _process.RestartEmptyAsync(dir);
        }
        else
        {
            await _process.KillAsync();
            await _process.DisposeAsync();
            _process = new StoreProcess(_process.Port, dir, appendFsync: "no", kind: _process.Kind) { Small = true };
            await _process.StartAsync();
        }

        DeleteOtherDirectories(dir);
        var db = Connection.GetDatabase();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                db.Ping();
                break;
            }
            catch (RedisConnectionException) when (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(5);
            }
        }

        foreach (var key in _persisted)
        {
            key.Restore(db);
        }
    }

    /// <summary>
    /// What earlier incarnations wrote: a long run restarts its store thousands of times. The first stays: it is the
    /// working directory of a Garnet restarted in place.
    /// </summary>
    private void DeleteOtherDirectories(string current)
    {
        foreach (var dir in Directory.EnumerateDirectories(_dir).Where(d => d != current && d != Path.Combine(_dir, "0")))
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Still held by a process on its way out: the next restart or the run's end takes it.
            }
        }
    }

    /// <summary>Retention passes for <paramref name="keys"/>: those with a time to live are gone.</summary>
    public void Expire(IEnumerable<RedisKey> keys)
    {
        var db = Connection.GetDatabase();
        foreach (var key in keys.Where(k => db.KeyTimeToLive(k) is not null))
        {
            db.KeyDelete(key);
        }
    }

    /// <summary>
    /// The idempotency keys' reservations that point at <paramref name="minute"/>: they expire with its summary.
    /// </summary>
    public IEnumerable<RedisKey> ReservationsOf(long minute)
    {
        var db = Connection.GetDatabase();
        var suffix = $"|{minute}";
        return [.. Server.Keys(pattern: "echo:k:*", pageSize: 1000).Where(k => ((string?)db.StringGet(k))?.EndsWith(suffix, StringComparison.Ordinal) == true)];
    }

    public void Dispose()
    {
        Connection.Dispose();
        _process.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A store still writing its last log page: the temp dir goes with the machine's cleanup.
        }
    }
}
