using System.Collections.Immutable;
using EchoAtTime.Grains.Storage;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// The accept path of one slot: appends a share of a request to the minute's list (plain and keyed
/// messages apart), fills in the results, and tells a loaded view what it appended.
/// </summary>
internal sealed class SlotAppender(SlotStore store, EchoMetrics metrics)
{
    /// <summary>
    /// Appends <paramref name="mine"/> (indexes into <paramref name="messages"/>, due at
    /// <paramref name="dues"/>) and fills in <paramref name="results"/> for what was stored; returns
    /// the refusal (closed, or below the floor) that stopped the rest. Each store call is all or nothing.
    /// </summary>
    public async Task<AppendResult?> AppendAsync(long slot, ImmutableArray<ScheduleRequest> messages, long[] dues, List<int> mine, ScheduleResult[] results, SlotView? view)
    {
        var plain = mine.Where(i => messages[i].IdempotencyKey is null).ToList();
        var keyed = mine.Where(i => messages[i].IdempotencyKey is not null).ToList();
        if (plain.Count > 0)
        {
            var elements = plain.Select(i => SlotElement.Encode(TimeSlot.OffsetMs(dues[i]), messages[i].Message)).ToArray();
            var appended = await store.AppendAsync(slot, elements, plain.Min(i => TimeSlot.OffsetMs(dues[i])));
            if (appended.IsClosed || appended.FloorOffsetMs is not null)
            {
                return appended;
            }

            Accept(messages, dues, plain, appended, appended.Seqs, results, view);
        }

        if (keyed.Count > 0)
        {
            var items = keyed.Select(i => (SlotElement.Encode(TimeSlot.OffsetMs(dues[i]), messages[i].Message), dues[i], messages[i].IdempotencyKey!, messages[i].Fingerprint ?? "")).ToArray();
            var appended = await store.AppendKeyedAsync(slot, items, keyed.Min(i => TimeSlot.OffsetMs(dues[i])));
            if (appended.IsClosed || appended.FloorOffsetMs is not null)
            {
                return appended;
            }

            for (var k = 0; k < keyed.Count; k++)
            {
                if (appended.Repeats![k] is { } repeat)
                {
                    results[keyed[k]] = repeat;
                }
            }

            var fresh = Enumerable.Range(0, keyed.Count).Where(k => appended.Seqs[k] >= 0).ToList();
            Accept(messages, dues, fresh.Select(k => keyed[k]).ToList(), appended, fresh.Select(k => appended.Seqs[k]).ToArray(), results, view);
        }

        return null;
    }

    private void Accept(ImmutableArray<ScheduleRequest> messages, long[] dues, List<int> indexes, AppendResult appended, int[] seqs, ScheduleResult[] results, SlotView? view)
    {
        metrics.Scheduled(indexes.Count);
        view?.SetEpochs(appended.Epochs);
        for (var k = 0; k < indexes.Count; k++)
        {
            var i = indexes[k];
            results[i] = new ScheduleResult(new MessageId(dues[i], seqs[k], appended.Epoch), ScheduleOutcome.Accepted);
            view?.Remember(TimeSlot.OffsetMs(dues[i]), seqs[k], messages[i].Message);
        }
    }
}
