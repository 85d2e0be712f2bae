using System.Collections.Immutable;
using EchoAtTime.Storage;

namespace EchoAtTime.Api;

/// <summary>
/// One append of a share of a request to one minute's list, plain and keyed messages apart (each
/// store call is one atomic script: all or nothing), and the results of what was stored.
/// </summary>
internal sealed class SlotAppender(SlotStore store, EchoMetrics metrics)
{
    /// <summary>
    /// Appends <paramref name="mine"/> (indexes into <paramref name="messages"/>, due at
    /// <paramref name="dues"/>) and fills in <paramref name="results"/> for what was stored; returns
    /// the refusal (closed, or below the floor) that stopped the rest.
    /// </summary>
    public async Task<AppendResult?> AppendAsync(long slot, ImmutableArray<ScheduleRequest> messages, long[] dues, List<int> mine, ScheduleResult[] results)
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

            Accept(dues, plain, appended.Seqs, appended.Epoch, results);
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
            Accept(dues, fresh.Select(k => keyed[k]).ToList(), fresh.Select(k => appended.Seqs[k]).ToArray(), appended.Epoch, results);
        }

        return null;
    }

    private void Accept(long[] dues, List<int> indexes, int[] seqs, string? epoch, ScheduleResult[] results)
    {
        metrics.Scheduled(indexes.Count);
        for (var k = 0; k < indexes.Count; k++)
        {
            results[indexes[k]] = new ScheduleResult(new MessageId(dues[indexes[k]], seqs[k], epoch), ScheduleOutcome.Accepted);
        }
    }
}
