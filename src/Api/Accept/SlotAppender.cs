using EchoAtTime.Storage;
using StackExchange.Redis;

namespace EchoAtTime.Api.Accept;

/// <summary>
/// One append of a share of a request to one minute's list, plain and keyed messages apart (each
/// store call is one atomic script), and the results of what was stored.
/// </summary>
internal sealed class SlotAppender(SlotStore store, EchoMetrics metrics)
{
    /// <summary>
    /// Appends <paramref name="mine"/> (indexes into <paramref name="writes"/>, at their due times)
    /// and fills in the results of what was stored or found stored before; a keyed message this
    /// minute will never store is marked <see cref="PendingWrite.MovedOn"/> (<paramref name="anyKeyed"/>
    /// is false when none of <paramref name="writes"/> is keyed).
    /// Returns the refusal (closed, or below the floor) for the rest. Keyed messages always reach their
    /// minute's script, even when the plain ones were refused: only it may say that they moved on.
    /// </summary>
    public async Task<AppendResult?> AppendAsync(long slot, PendingWrite[] writes, List<int> mine, bool anyKeyed)
    {
        // Most calls carry no keyed message: they take no copies.
        var plain = anyKeyed ? mine.Where(i => !writes[i].IsKeyed).ToList() : mine;
        var keyed = anyKeyed ? mine.Where(i => writes[i].IsKeyed).ToList() : null;
        AppendResult? refusal = null;
        if (plain.Count > 0)
        {
            var elements = SlotWriter.Elements(writes, plain, out var minOffset);
            var appended = (await store.AppendManyAsync([new SlotAppend(slot, elements, minOffset)]))[0];
            if (appended.Failure is not null)
            {
                Unavailable(writes, plain);
            }
            else if (appended.IsClosed || appended.FloorOffsetMs is not null)
            {
                refusal = appended;
            }
            else
            {
                Accept(writes, plain, appended.Seqs, appended.Epoch);
            }
        }

        if (keyed is { Count: > 0 })
        {
            var items = keyed.Select(i => (
                writes[i].Element(), writes[i].DueMs, writes[i].Request.Nonce!, TimeSlot.Of(writes[i].DueMs) == slot))
                .ToArray();
            AppendResult appended;
            try
            {
                appended = await store.AppendKeyedAsync(slot, items);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Not carried out, or carried out under keys a retry answers with the original: either way only these
                // are 503s; the plain messages stored above keep their answers.
                Unavailable(writes, keyed);
                return refusal;
            }

            for (var k = 0; k < keyed.Count; k++)
            {
                if (appended.Repeats![k] is { } repeat)
                {
                    writes[keyed[k]].Result = repeat;
                }
                else if (appended.Moved![k])
                {
                    writes[keyed[k]].MovedOn = true;
                }
            }

            var fresh = Enumerable.Range(0, keyed.Count).Where(k => appended.Seqs[k] >= 0).ToList();
            Accept(writes, [.. fresh.Select(k => keyed[k])], [.. fresh.Select(k => appended.Seqs[k])], appended.Epoch);
            refusal = Stricter(refusal, appended);
        }

        return refusal;
    }

    /// <summary>Closed wins over a floor; of two floors the later one.</summary>
    private static AppendResult? Stricter(AppendResult? first, AppendResult second) =>
        second.IsClosed || (second.FloorOffsetMs is { } floor && first is not { IsClosed: true } && floor > (first?.FloorOffsetMs ?? -1))
            ? second
            : first;

    /// <summary>What a store call that failed carried: not accepted, and answered 503 on its own.</summary>
    public static void Unavailable(PendingWrite[] writes, List<int> indexes)
    {
        foreach (var i in indexes)
        {
            writes[i].Result = ScheduleResult.Unavailable;
        }
    }

    /// <summary>The results of what an append stored: ids from the sequences it gave, under its epoch.</summary>
    public void Accept(PendingWrite[] writes, List<int> indexes, int[] seqs, string? epoch)
    {
        metrics.Scheduled(indexes.Count);
        for (var k = 0; k < indexes.Count; k++)
        {
            var id = new MessageId(writes[indexes[k]].DueMs, seqs[k], epoch);
            writes[indexes[k]].Result = new ScheduleResult(id, ScheduleOutcome.Accepted);
        }
    }
}
