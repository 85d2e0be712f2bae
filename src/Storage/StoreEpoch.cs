using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// The incarnation of the store this process writes to: 8 hex digits of the server's <c>run_id</c>,
/// which changes whenever the server restarts or a replica takes over — the only moments a store
/// can have lost acknowledged writes. Appends record it per minute and ids carry it, so a list
/// position freed by a lost write is handed out again under another epoch and the old id never
/// names the new message. Read once, and again after any connection failure (the server on the
/// other side may be a new one), before the next append goes out; per shard on Redis Cluster.
/// </summary>
public sealed class StoreEpoch
{
    private readonly IConnectionMultiplexer _redis;
    private readonly Lock _gate = new();
    private readonly Dictionary<System.Net.EndPoint, Task<string>> _byServer = [];

    public StoreEpoch(IConnectionMultiplexer redis)
    {
        _redis = redis;
        redis.ConnectionFailed += (_, _) => Forget();
        redis.ConnectionRestored += (_, _) => Forget();
    }

    /// <summary>
    /// The incarnation of the server that holds <paramref name="key"/>: on one Redis the one server;
    /// on Redis Cluster the master of the key's hash slot, since each shard restarts and fails over
    /// on its own (a replica promoted for one shard says nothing of the others).
    /// </summary>
    public Task<string> CurrentAsync(RedisKey key)
    {
        var server = _redis.GetServer(key);
        lock (_gate)
        {
            if (!_byServer.TryGetValue(server.EndPoint, out var current) || current.IsFaulted || current.IsCanceled)
            {
                _byServer[server.EndPoint] = current = ReadAsync(server);
            }

            return current;
        }
    }

    private void Forget()
    {
        lock (_gate)
        {
            _byServer.Clear();
        }
    }

    private static async Task<string> ReadAsync(IServer server)
    {
        var info = (string?)await server.ExecuteAsync("INFO", "server").ConfigureAwait(false) ?? "";
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith("run_id:", StringComparison.Ordinal))
            {
                var runId = line["run_id:".Length..].Trim().ToLowerInvariant();
                if (runId.Length >= MessageId.EpochLength && MessageId.IsEpoch(runId[..MessageId.EpochLength]))
                {
                    return runId[..MessageId.EpochLength];
                }
            }
        }

        throw new InvalidOperationException("The store's INFO server has no run_id: its incarnation, which keeps ids unique across lost writes, is unknown.");
    }
}
