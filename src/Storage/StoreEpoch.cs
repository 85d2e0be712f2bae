using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// The incarnation of the store this process writes to: 8 hex digits of the server's <c>run_id</c>,
/// which changes whenever the server restarts or a replica takes over — the only moments a store
/// can have lost acknowledged writes. Appends record it per minute and ids carry it, so a list
/// position freed by a lost write is handed out again under another epoch and the old id never
/// names the new message. Read once, and again after any connection failure (the server on the
/// other side may be a new one), before the next append goes out.
/// </summary>
public sealed class StoreEpoch
{
    private readonly IConnectionMultiplexer _redis;
    private readonly object _gate = new();
    private Task<string>? _current;

    public StoreEpoch(IConnectionMultiplexer redis)
    {
        _redis = redis;
        redis.ConnectionFailed += (_, _) => Forget();
        redis.ConnectionRestored += (_, _) => Forget();
    }

    public Task<string> CurrentAsync()
    {
        lock (_gate)
        {
            if (_current is null || _current.IsFaulted || _current.IsCanceled)
            {
                _current = ReadAsync();
            }

            return _current;
        }
    }

    private void Forget()
    {
        lock (_gate)
        {
            _current = null;
        }
    }

    private async Task<string> ReadAsync()
    {
        var info = (string?)await _redis.GetDatabase().ExecuteAsync("INFO", "server").ConfigureAwait(false) ?? "";
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
