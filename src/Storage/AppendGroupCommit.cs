using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// Group commit across minutes, in this process: the appends asked for, for any minute, go to Redis
/// together — one script call for all of them. A batch request whose thousand messages fall in a
/// thousand minutes costs one call, not a thousand round trips. A flush is queued to the asking
/// thread's own work queue, so it runs right after the stretch of work that asked (the rest of a
/// batch request joins it) and waits for no timer. A few flushes may be in flight at once, so this
/// process works on the next requests while Redis runs the scripts of the last; once that many are,
/// what is asked for waits and goes in the next one: under load, a thousand concurrent single
/// requests cost a few calls.
/// </summary>
internal sealed class AppendGroupCommit(Func<List<AppendGroupCommit.Pending>, Task> flush)
{
    private const int MaxFlushesInFlight = 4;

    private readonly Lock _lock = new();
    private List<Pending> _pending = [];
    private int _flushers;
    private bool _queued;

    /// <summary>Results in the order of <paramref name="appends"/>, once all of them are stored (or refused).</summary>
    public Task<AppendResult[]> AppendAsync(IReadOnlyList<SlotAppend> appends)
    {
        var pending = new Pending(appends);
        bool start;
        lock (_lock)
        {
            _pending.Add(pending);
            start = !_queued && _flushers < MaxFlushesInFlight;
            if (start)
            {
                (_queued, _flushers) = (true, _flushers + 1);
            }
        }

        if (start)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => _ = self.FlushAsync(), this, preferLocal: true);
        }

        return pending.Done.Task;
    }

    /// <summary>One flusher: sends what waits, then what waited meanwhile, until nothing does.</summary>
    private async Task FlushAsync()
    {
        var first = true;
        while (true)
        {
            List<Pending> batch;
            lock (_lock)
            {
                if (first)
                {
                    (_queued, first) = (false, false);
                }

                if (_pending.Count == 0)
                {
                    _flushers--;
                    return;
                }

                (batch, _pending) = (_pending, []);
            }

            try
            {
                await flush(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }
            }
        }
    }

    /// <summary>One caller's appends; the flush fills in <see cref="Results"/>, then completes it.</summary>
    internal sealed class Pending(IReadOnlyList<SlotAppend> appends)
    {
        public IReadOnlyList<SlotAppend> Appends { get; } = appends;

        public AppendResult[] Results { get; } = new AppendResult[appends.Count];

        // Completed by the flusher once Redis answered, already on a pool thread: the caller's continuation runs
        // there, inline, instead of being queued for another thread (a hand-off per request, and what the single
        // requests' profile was made of). What it does before its own next hand-off is short: the write path's
        // bookkeeping, a retry queued here.
        public TaskCompletionSource<AppendResult[]> Done { get; } = new();
    }
}

/// <summary>Elements to append to one minute, the smallest due offset among them first.</summary>
public readonly record struct SlotAppend(long Slot, IReadOnlyList<RedisValue> Elements, int MinOffsetMs);
