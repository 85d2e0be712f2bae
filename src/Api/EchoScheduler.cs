using System.Collections.Immutable;

namespace EchoAtTime.Api;

/// <summary>Routes validated messages to their slot grains, one call per slot, in parallel.</summary>
public sealed class EchoScheduler(IGrainFactory grains, TimeProvider clock)
{
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
            var batch = pair.Value.Select(i => requests[i]).ToImmutableArray();
            var slotResults = await grains.GetGrain<ITimeSlotGrain>(pair.Key).Schedule(batch);
            for (var k = 0; k < pair.Value.Count; k++)
            {
                results[pair.Value[k]] = slotResults[k];
            }
        }));
        return results;
    }

    public Task<MessageStatus> GetStatusAsync(MessageId id) => grains.GetGrain<ITimeSlotGrain>(id.Slot).GetStatus(id);

    public Task<CancelOutcome> CancelAsync(MessageId id) => grains.GetGrain<ITimeSlotGrain>(id.Slot).Cancel(id);
}
