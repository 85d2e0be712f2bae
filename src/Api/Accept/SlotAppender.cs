using System.Collections.Immutable;
using EchoAtTime.Storage;

namespace EchoAtTime.Api.Accept;

/// <summary>
/// One append of a share of a request to one minute's list, plain and keyed messages apart (each
/// store call is one atomic script), and the results of what was stored.
/// </summary>
internal sealed class SlotAppender(SlotStore store, EchoMetrics metrics)
{
    /// <summary>
    /// Appends <paramref name="mine"/> (indexes into <paramref name="messages"/>, due at
    /// <paramref name="dues"/>) and fills in <paramref name="results"/> for what was stored or found
    /// stored before; a keyed message this minute will never store goes into <paramref name="movedOn"/>
    /// (null when none of <paramref name="messages"/> is keyed).
    /// Returns the refusal (closed, or below the floor) for the rest. Keyed messages always reach their
    /// minute's script, even when the plain ones were refused: only it may say that they moved on.
    /// </summary>
    public async Task<AppendResult?> AppendAsync(long slot, ImmutableArray<ScheduleRequest> messages, long[] dues, List<int> mine, ScheduleResult[] results, HashSet<int>? movedOn)
    {
        // Most calls carry no keyed message (movedOn is null then): they take no copies.
        var plain = movedOn is null ? mine : mine.Where(i => messages[i].Nonce is null).ToList();
        var keyed = movedOn is null ? [] : mine.Where(i => messages[i].Nonce is not null).ToList();
        AppendResult? refusal = null;
        if (plain.Count > 0)
        {
            var elements = SlotWriter.Elements(messages, dues, plain, out var minOffset);
            var appended = await store.AppendAsync(slot, elements, minOffset);
            if (appended.IsClosed || appended.FloorOffsetMs is not null)
            {
                refusal = appended;
            }
            else
            {
                Accept(dues, plain, appended.Seqs, appended.Epoch, results);
            }
        }

        if (keyed.Count > 0)
        {
            var items = keyed.Select(i => (SlotElement.Encode(TimeSlot.OffsetMs(dues[i]), messages[i].Message, messages[i].ExpireAfterMs), dues[i], messages[i].Nonce!, TimeSlot.Of(dues[i]) == slot)).ToArray();
            var appended = await store.AppendKeyedAsync(slot, items);
            for (var k = 0; k < keyed.Count; k++)
            {
                if (appended.Repeats![k] is { } repeat)
                {
                    results[keyed[k]] = repeat;
                }
                else if (appended.Moved![k])
                {
                    movedOn!.Add(keyed[k]);
                }
            }

            var fresh = Enumerable.Range(0, keyed.Count).Where(k => appended.Seqs[k] >= 0).ToList();
            Accept(dues, fresh.Select(k => keyed[k]).ToList(), fresh.Select(k => appended.Seqs[k]).ToArray(), appended.Epoch, results);
            refusal = Stricter(refusal, appended);
        }

        return refusal;
    }

    /// <summary>Closed wins over a floor; of two floors the later one.</summary>
    private static AppendResult? Stricter(AppendResult? first, AppendResult second) =>
        second.IsClosed || (second.FloorOffsetMs is { } floor && first is not { IsClosed: true } && floor > (first?.FloorOffsetMs ?? -1))
            ? second
            : first;

    /// <summary>The results of what an append stored: ids from the sequences it gave, under its epoch.</summary>
    public void Accept(long[] dues, List<int> indexes, int[] seqs, string? epoch, ScheduleResult[] results)
    {
        metrics.Scheduled(indexes.Count);
        for (var k = 0; k < indexes.Count; k++)
        {
            results[indexes[k]] = new ScheduleResult(new MessageId(dues[indexes[k]], seqs[k], epoch), ScheduleOutcome.Accepted);
        }
    }
}
