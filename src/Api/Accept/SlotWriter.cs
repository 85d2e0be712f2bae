using EchoAtTime.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Api.Accept;

/// <summary>
/// The accept path of one minute, run by whichever silo or gateway took the request: it appends to
/// the minute's Redis keys itself, through the guard script that fences what may still join the
/// minute (closed; nothing at or before what is printing), and never calls the minute's printer.
/// Near the minute it sends the printer one one-way notice per append, so a message due before the
/// printer would look again still prints on time; a minute further off needs none (the sweep loads it).
/// </summary>
internal sealed class SlotWriter(SlotStore store, IGrainFactory grains, EchoMetrics metrics, IOptions<EchoOptions> options, TimeProvider clock)
{
    // An append that keeps landing below a floor that keeps moving means a bug, not a busy minute.
    private const int MaxAttempts = 5;

    private readonly SlotAppender _appender = new(store, metrics);
    private readonly long _noticeLeadMs = 2 * (long)options.Value.WakeLead.TotalMilliseconds;

    /// <summary>
    /// Appends what is still due in <paramref name="slot"/> and fills in the results; returns the
    /// indexes that must go to a later minute (their due times moved there): the minute closed, or
    /// its floor passed their due time.
    /// </summary>
    public async Task<List<int>> AppendAsync(long slot, PendingWrite[] writes)
    {
        var slotStart = TimeSlot.StartMs(slot);
        var floorMs = slotStart;
        var remaining = new List<int>(writes.Length);
        for (var i = 0; i < writes.Length; i++)
        {
            remaining.Add(i);
        }

        var moved = new List<int>();
        var mine = new List<int>(writes.Length);
        var anyKeyed = writes.Any(w => w.IsKeyed);
        long? earliestAppended = null;
        for (var attempt = 0; remaining.Count > 0; attempt++)
        {
            // Nothing may be due before now, nor before what the minute is already printing.
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            mine.Clear();
            foreach (var i in remaining)
            {
                writes[i].DueMs = Math.Max(writes[i].DueMs, Math.Max(now, floorMs));

                // A keyed message asks its reservation's minute first, wherever it is due now: the
                // original may be stored there, and only the minute's script may let it move on.
                (TimeSlot.Of(writes[i].DueMs) == slot || writes[i].IsKeyed ? mine : moved).Add(i);
            }

            remaining.Clear();
            if (mine.Count == 0)
            {
                break;
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"Slot {slot}: append kept landing below the printing floor.");
            }

            var refusal = await _appender.AppendAsync(slot, writes, mine, anyKeyed);
            // Over by the store's clock: what was due in it is due at the store's "now", however far behind
            // this writer's clock is (else it would walk there a minute per round trip).
            var laterMs = Math.Max(slotStart + TimeSlot.LengthMs, refusal?.StoreNowMs ?? 0);
            foreach (var i in mine)
            {
                if (writes[i].MovedOn)
                {
                    writes[i].DueMs = Math.Max(writes[i].DueMs, laterMs);
                    moved.Add(i);
                }
                else if (!writes[i].HasResult)
                {
                    remaining.Add(i);
                }
                else if (writes[i].Result.Outcome == ScheduleOutcome.Accepted)
                {
                    earliestAppended = Math.Min(earliestAppended ?? long.MaxValue, writes[i].DueMs);
                }
                else if (writes[i].Result is { Outcome: ScheduleOutcome.Repeated, Id: var original }
                    && TimeSlot.Of(original.DueMs) == slot && original.DueMs >= now - TimeSlot.LengthMs)
                {
                    // The original's append may have lost its reply, and its notice with it: the printer hears of it
                    // now, not at the sweep or the next commit (a printer that knew it ignores the notice). One due
                    // over a minute ago was found by the sweep long since: its minute is not woken for a late retry.
                    earliestAppended = Math.Min(earliestAppended ?? long.MaxValue, original.DueMs);
                }
            }

            if (refusal is { IsClosed: true })
            {
                // Fully printed and closed by a later minute, or over by the store's clock: these are due "now",
                // which is later.
                foreach (var i in remaining)
                {
                    writes[i].DueMs = Math.Max(writes[i].DueMs, laterMs);
                }

                moved.AddRange(remaining);
                break;
            }

            if (refusal?.FloorOffsetMs is { } floor)
            {
                // The printer declared further than these due times: they go after it.
                floorMs = slotStart + floor;
            }
        }

        NotifyIfNear(slot, earliestAppended, clock.GetUtcNow().ToUnixTimeMilliseconds());
        return moved;
    }

    /// <summary>
    /// The plain messages of several minutes (<paramref name="writes"/>[m] for
    /// <paramref name="slots"/>[m]): the first attempt of <see cref="AppendAsync"/> for all
    /// of them in one store call, so a batch spread over a thousand minutes costs one round trip and
    /// no task per minute. A minute that refused (closed, or a floor past some due time) stored none
    /// of its messages and goes through <see cref="AppendAsync"/> on its own, which learns why and
    /// retries. Returns per minute the indexes that must go to a later minute.
    /// </summary>
    public async Task<List<int>[]> AppendPlainAsync(IReadOnlyList<long> slots, PendingWrite[][] writes)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var moved = new List<int>[slots.Count];
        var appends = new List<SlotAppend>(slots.Count);
        var sent = new List<(int Minute, List<int> Mine, long EarliestDueMs)>(slots.Count);
        for (var m = 0; m < slots.Count; m++)
        {
            moved[m] = [];
            var minute = writes[m];
            var mine = new List<int>(minute.Length);
            var earliest = long.MaxValue;
            for (var i = 0; i < minute.Length; i++)
            {
                minute[i].DueMs = Math.Max(minute[i].DueMs, Math.Max(now, TimeSlot.StartMs(slots[m])));
                if (TimeSlot.Of(minute[i].DueMs) == slots[m])
                {
                    mine.Add(i);
                    earliest = Math.Min(earliest, minute[i].DueMs);
                }
                else
                {
                    moved[m].Add(i);
                }
            }

            if (mine.Count > 0)
            {
                appends.Add(new SlotAppend(slots[m], Elements(minute, mine, out var minOffset), minOffset));
                sent.Add((m, mine, earliest));
            }
        }

        var appended = await store.AppendManyAsync(appends);
        var answeredAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        List<Task>? retries = null;
        for (var k = 0; k < sent.Count; k++)
        {
            var (m, mine, earliest) = sent[k];
            if (appended[k].Failure is not null)
            {
                SlotAppender.Unavailable(writes[m], mine);
                continue;
            }

            if (appended[k].IsClosed || appended[k].FloorOffsetMs is not null)
            {
                (retries ??= []).Add(RetryAsync(m));
                continue;
            }

            _appender.Accept(writes[m], mine, appended[k].Seqs, appended[k].Epoch);
            NotifyIfNear(slots[m], earliest, answeredAt);
        }

        if (retries is not null)
        {
            await Task.WhenAll(retries);
        }

        return moved;

        async Task RetryAsync(int m) => moved[m] = await AppendAsync(slots[m], writes[m]);
    }

    /// <summary>The list elements of <paramref name="mine"/>, and the smallest due offset among them.</summary>
    public static RedisValue[] Elements(PendingWrite[] writes, List<int> mine, out int minOffset)
    {
        var elements = new RedisValue[mine.Count];
        minOffset = int.MaxValue;
        for (var k = 0; k < mine.Count; k++)
        {
            elements[k] = writes[mine[k]].Element();
            minOffset = Math.Min(minOffset, TimeSlot.OffsetMs(writes[mine[k]].DueMs));
        }

        return elements;
    }

    /// <summary>A notice to the printer only near the minute: a minute further off is loaded by the sweep.</summary>
    private void NotifyIfNear(long slot, long? earliestDueMs, long nowMs)
    {
        if (earliestDueMs is { } due && nowMs >= TimeSlot.StartMs(slot) - _noticeLeadMs)
        {
            Notify(slot, due);
        }
    }

    /// <summary>
    /// Never fails the append: the messages are stored, so a notice that cannot go out (no silo
    /// reachable, the client shutting down) only means the sweep finds them, within one interval.
    /// </summary>
    private void Notify(long slot, long earliestDueMs)
    {
        try
        {
            grains.GetGrain<ITimeSlotGrain>(slot).CheckAppended(earliestDueMs).Ignore();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            metrics.NoticeFailed();
        }
    }
}
