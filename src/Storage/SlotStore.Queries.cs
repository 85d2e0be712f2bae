using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>What the API asks of one message by its id, and the pending index the sweeper and the gauges read.</summary>
public sealed partial class SlotStore
{
    public async Task<MessageStatus> StatusAsync(MessageId id) =>
        (string?)await Db.ScriptEvaluateAsync(SlotScripts.Status, SlotKeys(id.Slot), IdArgs(id)).ConfigureAwait(false) switch
        {
            "scheduled" => MessageStatus.Scheduled,
            "printed" => MessageStatus.Printed,
            "canceled" => MessageStatus.Canceled,
            _ => MessageStatus.Unknown,
        };

    /// <summary>
    /// Cancels unless printed or being printed; atomic with the printer's fence. <c>Now</c> tells a
    /// new cancel from a repeated one.
    /// </summary>
    public async Task<(CancelOutcome Outcome, bool Now)> CancelAsync(MessageId id) =>
        (string?)await Db.ScriptEvaluateAsync(SlotScripts.Cancel, SlotKeys(id.Slot), IdArgs(id)).ConfigureAwait(false) switch
        {
            "now" => (CancelOutcome.Canceled, true),
            "canceled" => (CancelOutcome.Canceled, false),
            "printed" => (CancelOutcome.AlreadyPrinted, false),
            _ => (CancelOutcome.Unknown, false),
        };

    /// <summary>
    /// Cluster-wide pending figures for the gauges: slots in the index, and messages neither printed
    /// nor canceled in the earliest <paramref name="maxSlots"/> of them (one pipelined round trip).
    /// </summary>
    public async Task<(long Messages, long Slots)> PendingAsync(int maxSlots)
    {
        var db = Db;
        var slots = await db.SortedSetLengthAsync(_keys.PendingSlots).ConfigureAwait(false);
        var first = await db.SortedSetRangeByRankAsync(_keys.PendingSlots, 0, maxSlots - 1).ConfigureAwait(false);
        var counts = first.Select(member =>
        {
            var slot = (long)member;
            return (Length: db.ListLengthAsync(_keys.Messages(slot)), Printed: db.HashGetAsync(_keys.Meta(slot), "c"), Canceled: db.SetLengthAsync(_keys.Canceled(slot)));
        }).ToList();
        long messages = 0;
        foreach (var (length, printed, canceled) in counts)
        {
            var c = await printed.ConfigureAwait(false);
            messages += Math.Max(0, await length.ConfigureAwait(false) - (c.IsNull ? 0 : (long)c) - await canceled.ConfigureAwait(false));
        }

        return (messages, slots);
    }

    public Task<bool> RemoveFromIndexAsync(long slot) => Db.SortedSetRemoveAsync(_keys.PendingSlots, slot);

    /// <summary>The earliest pending slot, if any.</summary>
    public async Task<long?> EarliestPendingAsync()
    {
        var first = await Db.SortedSetRangeByRankAsync(_keys.PendingSlots, 0, 0).ConfigureAwait(false);
        return first.Length == 0 ? null : (long)first[0];
    }

    /// <summary>Pending slots that start at or before <paramref name="maxSlot"/>, earliest first.</summary>
    public async Task<long[]> PendingSlotsThroughAsync(long maxSlot, int take)
    {
        var slots = await Db.SortedSetRangeByScoreAsync(_keys.PendingSlots, double.NegativeInfinity, maxSlot, take: take).ConfigureAwait(false);
        return Array.ConvertAll(slots, s => (long)s);
    }

    private static RedisValue[] IdArgs(MessageId id)
    {
        var offset = TimeSlot.OffsetMs(id.DueMs);
        return [id.Seq, offset, Cursor(SlotCursor.Of(offset, id.Seq)), id.EpochText];
    }
}
