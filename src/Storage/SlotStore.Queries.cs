using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// What the API asks of one message by its id, and the pending index the sweeper and the gauges read.
/// </summary>
public sealed partial class SlotStore
{
    public async Task<MessageStatus> StatusAsync(MessageId id) => (await LookupAsync(id).ConfigureAwait(false)).Status;

    /// <summary>
    /// Where the message stands, with its delivery receipt once printed (one script, one round trip).
    /// </summary>
    public async Task<MessageRecord> LookupAsync(MessageId id) =>
        ScriptReplies.Record(await Db.ScriptEvaluateAsync(SlotScripts.Status, SlotKeys(id.Slot), IdArgs(id)).ConfigureAwait(false), TimeSlot.StartMs(id.Slot));

    /// <summary>
    /// Cancels unless printed or being printed, or it may have printed under a commit the store lost (then it prints
    /// again, flagged, and the answer is "printed"); atomic with the printer's fence. <c>Now</c> tells a
    /// new cancel from a repeated one. Where replicas must acknowledge, a cancel (new or repeated) is
    /// answered only once they hold it: a failover must not bring back a message whose cancel said 204.
    /// </summary>
    public async Task<(CancelOutcome Outcome, bool Now)> CancelAsync(MessageId id)
    {
        var keys = SlotKeys(id.Slot);
        var result = await Db.ScriptEvaluateAsync(SlotScripts.Cancel, keys, [.. IdArgs(id), id.DueMs]).ConfigureAwait(false);
        var answer = ScriptReplies.Cancel(result);
        if (_replicaAcks > 0 && answer.Outcome == CancelOutcome.Canceled)
        {
            await WaitForReplicasAsync(redis.GetServer(keys[0]), $"the cancel of {id}").ConfigureAwait(false);
        }

        return answer;
    }

    /// <summary>
    /// Cluster-wide pending figures for the gauges: slots in the index, and messages neither printed
    /// nor canceled in the earliest <paramref name="maxSlots"/> of them (one pipelined round trip).
    /// </summary>
    public async Task<(long Messages, long Slots)> PendingAsync(int maxSlots)
    {
        var db = Db;
        var slots = _index.CountAsync();
        var first = await _index.ThroughAsync(long.MaxValue, maxSlots).ConfigureAwait(false);
        var counts = first.Select(slot =>
            (Length: db.ListLengthAsync(_keys.Messages(slot)), Printed: db.HashGetAsync(_keys.Meta(slot), RedisKeys.MetaPrintedCount), Canceled: db.SetLengthAsync(_keys.Canceled(slot)))).ToList();
        long messages = 0;
        foreach (var (length, printed, canceled) in counts)
        {
            var c = await printed.ConfigureAwait(false);
            messages += Math.Max(0, await length.ConfigureAwait(false) - (c.IsNull ? 0 : (long)c) - await canceled.ConfigureAwait(false));
        }

        return (messages, await slots.ConfigureAwait(false));
    }

    public Task<bool> RemoveFromIndexAsync(long slot) => _index.RemoveAsync(slot);

    /// <summary>Indexes the slot as pending (again): a no-op when it is.</summary>
    public Task IndexAsync(long slot) => _index.AddAsync([slot]);

    /// <summary>Whether the slot is in the index of pending slots.</summary>
    public Task<bool> IsIndexedAsync(long slot) => _index.ContainsAsync(slot);

    /// <summary>The earliest pending slot at or before <paramref name="throughSlot"/>, if any.</summary>
    public Task<long?> EarliestPendingAsync(long throughSlot) => _index.EarliestAsync(throughSlot);

    /// <summary>Pending slots that start at or before <paramref name="maxSlot"/>, earliest first.</summary>
    public Task<long[]> PendingSlotsThroughAsync(long maxSlot, int take) => _index.ThroughAsync(maxSlot, take);

    /// <summary>Moves a page of an earlier version's index into today's; 0 once there is none left.</summary>
    public Task<int> MoveLegacyIndexPageAsync() => _index.MoveLegacyPageAsync();

    private static RedisValue[] IdArgs(MessageId id)
    {
        var offset = TimeSlot.OffsetMs(id.DueMs);
        return [id.Seq, offset, Cursor(SlotCursor.Of(offset, id.Seq)), id.EpochText];
    }
}
