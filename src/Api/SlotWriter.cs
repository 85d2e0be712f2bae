using System.Collections.Immutable;
using EchoAtTime.Storage;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api;

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
    /// Appends what is still due in <paramref name="slot"/> and fills in <paramref name="results"/>;
    /// returns the indexes that must go to a later minute (their <paramref name="dues"/> moved
    /// there): the minute closed, or its floor passed their due time.
    /// </summary>
    public async Task<List<int>> AppendAsync(long slot, ImmutableArray<ScheduleRequest> messages, long[] dues, ScheduleResult[] results)
    {
        var slotStart = TimeSlot.StartMs(slot);
        var floorMs = slotStart;
        var remaining = Enumerable.Range(0, messages.Length).ToList();
        var moved = new List<int>();
        var mine = new List<int>(messages.Length);
        var movedOn = new HashSet<int>();
        long? earliestAppended = null;
        for (var attempt = 0; remaining.Count > 0; attempt++)
        {
            // Nothing may be due before now, nor before what the minute is already printing.
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            mine.Clear();
            foreach (var i in remaining)
            {
                dues[i] = Math.Max(dues[i], Math.Max(now, floorMs));

                // A keyed message asks its reservation's minute first, wherever it is due now: the
                // original may be stored there, and only the minute's script may let it move on.
                (TimeSlot.Of(dues[i]) == slot || messages[i].Nonce is not null ? mine : moved).Add(i);
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

            var refusal = await _appender.AppendAsync(slot, messages, dues, mine, results, movedOn);
            foreach (var i in mine)
            {
                if (movedOn.Contains(i))
                {
                    dues[i] = Math.Max(dues[i], slotStart + TimeSlot.LengthMs);
                    moved.Add(i);
                }
                else if (results[i] == default)
                {
                    remaining.Add(i);
                }
                else if (results[i].Outcome == ScheduleOutcome.Accepted)
                {
                    earliestAppended = Math.Min(earliestAppended ?? long.MaxValue, dues[i]);
                }
            }

            if (refusal is { IsClosed: true })
            {
                // Fully printed and closed by a later minute: these are due "now", which is later.
                foreach (var i in remaining)
                {
                    dues[i] = Math.Max(dues[i], slotStart + TimeSlot.LengthMs);
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

        if (earliestAppended is { } due && clock.GetUtcNow().ToUnixTimeMilliseconds() >= slotStart - _noticeLeadMs)
        {
            Notify(slot, due);
        }

        return moved;
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
