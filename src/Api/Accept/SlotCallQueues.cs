using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace EchoAtTime.Api.Accept;

/// <summary>
/// This process's <see cref="SlotCallQueue"/>s, one per minute written to: a request for one minute goes through its
/// queue, which <paramref name="writeMinute"/> empties one call at a time. A queue stays while its minute is written
/// to; every <see cref="MadePerPrune"/> new queues, those unused since the last prune are retired and dropped.
/// </summary>
internal sealed class SlotCallQueues(Func<long, ImmutableArray<ScheduleRequest>, Task<ScheduleResult[]>> writeMinute)
{
    private const int MadePerPrune = 256;

    private readonly ConcurrentDictionary<long, SlotCallQueue> _queues = new();
    private long _made;

    /// <summary>Results in the order of <paramref name="messages"/>, once the minute's call that carried them is answered.</summary>
    public Task<ScheduleResult[]> SendAsync(long slot, ImmutableArray<ScheduleRequest> messages)
    {
        while (true)
        {
            var queue = _queues.GetOrAdd(slot, static (minute, self) => self.NewQueue(minute), this);
            if (queue.TryEnqueue(messages, out var results))
            {
                return results;
            }

            // It was retired between lookup and enqueue: drop it and take a fresh one.
            _queues.TryRemove(new KeyValuePair<long, SlotCallQueue>(slot, queue));
        }
    }

    private SlotCallQueue NewQueue(long slot)
    {
        if (Interlocked.Increment(ref _made) % MadePerPrune == 0)
        {
            RetireUnused();
        }

        return new SlotCallQueue(messages => writeMinute(slot, messages));
    }

    /// <summary>
    /// Drops the queues that took nothing since the last time: so many minutes were written meanwhile that these are
    /// done with. Idle ones never outnumber <see cref="MadePerPrune"/> twice over.
    /// </summary>
    private void RetireUnused()
    {
        foreach (var (slot, queue) in _queues)
        {
            if (queue.TryRetireIfUnused())
            {
                _queues.TryRemove(new KeyValuePair<long, SlotCallQueue>(slot, queue));
            }
        }
    }
}
