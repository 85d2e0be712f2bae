using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace EchoAtTime.Api;

/// <summary>
/// Routes validated messages to their minute grains: one call per minute per request, and
/// concurrent requests for the same minute share calls (<see cref="SlotCallQueue"/>).
/// </summary>
public sealed class EchoScheduler(IGrainFactory grains, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, SlotCallQueue> _queues = new();

    /// <summary>Returns results in input order; completes only when every new message is in Redis.</summary>
    public async Task<ScheduleResult[]> ScheduleAsync(IReadOnlyList<ScheduleRequest> requests)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var results = new ScheduleResult[requests.Count];
        var bySlot = new Dictionary<long, List<int>>();
        for (var i = 0; i < requests.Count; i++)
        {
            var slot = TimeSlot.Of(Math.Max(now, requests[i].DueMs));
            if (!bySlot.TryGetValue(slot, out var list))
            {
                bySlot[slot] = list = [];
            }

            list.Add(i);
        }

        await Task.WhenAll(bySlot.Select(async pair =>
        {
            var slotResults = await SendAsync(pair.Key, pair.Value.Select(i => requests[i]).ToImmutableArray());
            for (var k = 0; k < pair.Value.Count; k++)
            {
                results[pair.Value[k]] = slotResults[k];
            }
        }));
        return results;
    }

    public Task<MessageStatus> GetStatusAsync(MessageId id) => grains.GetGrain<ITimeSlotGrain>(id.Slot).GetStatus(id);

    public Task<CancelOutcome> CancelAsync(MessageId id) => grains.GetGrain<ITimeSlotGrain>(id.Slot).Cancel(id);

    private Task<ScheduleResult[]> SendAsync(long slot, ImmutableArray<ScheduleRequest> messages)
    {
        while (true)
        {
            var queue = _queues.GetOrAdd(slot, NewQueue);
            if (queue.TryEnqueue(messages, out var results))
            {
                return results;
            }

            // It went idle and retired between lookup and enqueue: drop it and take a fresh one.
            _queues.TryRemove(new KeyValuePair<long, SlotCallQueue>(slot, queue));
        }
    }

    private SlotCallQueue NewQueue(long slot)
    {
        var queue = new SlotCallQueue(grains.GetGrain<ITimeSlotGrain>(slot));
        queue.OnIdle = () => _queues.TryRemove(new KeyValuePair<long, SlotCallQueue>(slot, queue));
        return queue;
    }
}
