using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// The figures of the messages page: pending per minute ahead, outcomes and lateness of the minutes just past.
/// </summary>
public sealed partial class SlotStore
{
    /// <summary>
    /// One pipelined round of <see cref="SlotScripts.Summary"/>: every indexed minute from now to
    /// <paramref name="minutesAhead"/> ahead, and each of the <paramref name="minutesBack"/> minutes
    /// up to now's (finished minutes keep their counts and receipts for the retention).
    /// </summary>
    public async Task<MessagesSummary> SummaryAsync(long nowMs, int minutesAhead, int minutesBack)
    {
        var now = TimeSlot.Of(nowMs);
        var ahead = await _index.RangeAsync(now, now + minutesAhead, minutesAhead + 1).ConfigureAwait(false);
        var back = Enumerable.Range(0, minutesBack).Select(i => now - i).Reverse().ToArray();

        // Now's minute is in both lists: each minute is read once.
        var db = Db;
        var reads = ahead.Union(back).ToDictionary(slot => slot, slot => db.ScriptEvaluateAsync(SlotScripts.Summary,
            [_keys.Messages(slot), _keys.Meta(slot), _keys.Canceled(slot), _keys.Nonces(slot)]));
        await Task.WhenAll(reads.Values).ConfigureAwait(false);
        MinuteCounts Counts(long slot)
        {
            var r = (RedisResult[])reads[slot].Result!;
            return new MinuteCounts(slot, (long)r[0], (long)r[1], (long)r[2], (long)r[3], (long)r[4], (string?)r[5] ?? "");
        }

        return new MessagesSummary([.. ahead.Select(Counts)], [.. back.Select(Counts)]);
    }
}

/// <summary>
/// What became of one minute's messages so far; <see cref="Receipts"/> as the meta field <c>r</c> holds them.
/// </summary>
public sealed record MinuteCounts(long Slot, long Messages, long Printed, long Canceled, long Expired, long Moved, string Receipts)
{
    public long Pending => Math.Max(0, Messages - Printed - Canceled - Expired - Moved);
}

/// <summary>
/// Minutes from now's on that hold messages (earliest first), and the minutes up to now's (oldest first).
/// </summary>
public sealed record MessagesSummary(IReadOnlyList<MinuteCounts> Ahead, IReadOnlyList<MinuteCounts> Past);
