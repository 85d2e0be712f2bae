namespace EchoAtTime.Simulate.Gate;

/// <summary>
/// Where every store call and console write of the simulated silos waits for a step. Lanes keep the
/// order of one operation's calls (a pipeline on one connection); between lanes the schedule decides.
/// A lane of a crashed silo is orphaned: its calls may still reach the store (they were on the wire),
/// but no answer ever returns to the dead process.
/// </summary>
internal sealed class StoreGate
{
    /// <summary>
    /// The world's store clock, which scripts that read the store's clock read instead (GatedDatabase).
    /// </summary>
    public IStoreClock? Clock { get; set; }

    private readonly Lock _lock = new();
    private readonly List<PendingCall> _pending = [];
    private readonly HashSet<string> _orphanPrefixes = [];
    private long _arrivals;

    /// <summary>Queues a call; its task completes when a step releases it.</summary>
    public Task<T> Enqueue<T>(string lane, string what, Func<Task<T>> execute)
    {
        var done = new TaskCompletionSource<T>();
        lock (_lock)
        {
            _pending.Add(new PendingCall(lane, _arrivals++, what, execute, task =>
            {
                if (task.IsCompletedSuccessfully)
                {
                    done.TrySetResult(((Task<T>)task).Result);
                }
                else
                {
                    done.TrySetException(task.Exception?.InnerExceptions ?? [new InvalidOperationException("canceled")]);
                }
            }));
        }

        return done.Task;
    }

    /// <summary>The first call of every lane, lanes in name order: what a step may release. Deterministic.</summary>
    public List<PendingCall> Heads()
    {
        lock (_lock)
        {
            return [.. _pending.GroupBy(c => c.Lane, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => g.MinBy(c => c.Arrival)!)];
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Every waiting call, in arrival order.</summary>
    public List<PendingCall> Pending()
    {
        lock (_lock)
        {
            return [.. _pending.OrderBy(c => c.Arrival)];
        }
    }

    /// <summary>
    /// The calls queued behind <paramref name="call"/> in its lane: pipelined after it on the same connection.
    /// </summary>
    public List<PendingCall> Behind(PendingCall call)
    {
        lock (_lock)
        {
            return [.. _pending.Where(c => c.Lane == call.Lane && c.Arrival > call.Arrival).OrderBy(c => c.Arrival)];
        }
    }

    public bool IsOrphan(PendingCall call)
    {
        lock (_lock)
        {
            return _orphanPrefixes.Any(p => call.Lane.StartsWith(p, StringComparison.Ordinal));
        }
    }

    /// <summary>Every lane starting with <paramref name="prefix"/> belongs to a dead process from now on.</summary>
    public void Orphan(string prefix)
    {
        lock (_lock)
        {
            _orphanPrefixes.Add(prefix);
        }
    }

    public void RemoveOrphans()
    {
        lock (_lock)
        {
            _pending.RemoveAll(c => _orphanPrefixes.Any(p => c.Lane.StartsWith(p, StringComparison.Ordinal)));
        }
    }

    public void Remove(PendingCall call)
    {
        lock (_lock)
        {
            _pending.Remove(call);
        }
    }

    /// <summary>Forgets everything (between schedules): what waits is never answered.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _pending.Clear();
            _orphanPrefixes.Clear();
        }
    }
}

/// <summary>The store's clock as the world keeps it: now, and how long ago the store last started.</summary>
internal interface IStoreClock
{
    long NowMs { get; }

    long RestartedAgoMs { get; }
}
