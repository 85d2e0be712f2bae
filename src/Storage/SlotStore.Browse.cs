using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// Listings by due time: the pending index names the minutes that still hold their lists, each is read with one
/// script (<c>Scripts/browse.lua</c>) and listed in (due, acceptance) order. A finished minute keeps its summary and
/// receipts, not its texts: its messages answer by id, not in a listing.
/// </summary>
public sealed partial class SlotStore
{
    // Bounds one call: the minutes it may visit and the list elements its scripts may read, wherever in a minute the
    // budget ends (the cursor then names the last message it went past, and the next call goes on from there).
    private const int BrowseMinutesPerRound = 8;
    private const int BrowseMaxMinutes = 64;
    private const long BrowseElementBudget = 20_000;

    // A minute this short is read whole (it costs less than keeping its order index); a longer one through the index,
    // which the listing keeps for a while after its last use.
    private const int BrowseWholeMinute = 1_000;
    private const int BrowseOrderIndexSeconds = 600;

    // With a status filter most of what a minute holds may not be wanted: read past it in windows at least this long.
    private const int BrowseFilteredWindow = 1_000;

    public async Task<BrowsePage> BrowseAsync(BrowseQuery query)
    {
        var run = new BrowseRun(query, BrowseElementBudget);
        var fromSlot = TimeSlot.Of(Math.Max(query.FromMs, query.After?.DueMs ?? long.MinValue));
        var toSlot = TimeSlot.Of(query.ToMs);
        while (fromSlot <= toSlot)
        {
            var minutes = await _index.RangeAsync(fromSlot, toSlot, BrowseMinutesPerRound).ConfigureAwait(false);
            if (minutes.Length == 0)
            {
                break;
            }

            // One minute at a time: the next is read only while the page is not full.
            foreach (var slot in minutes)
            {
                var finished = await BrowseMinuteAsync(slot, run).ConfigureAwait(false);
                run.Minutes++;
                if (run.Full)
                {
                    return run.Page(run.Position);
                }

                if (!finished)
                {
                    return run.Page(run.Position ?? run.Before(slot));
                }

                if ((run.Left <= 0 || run.Minutes >= BrowseMaxMinutes) && slot < toSlot)
                {
                    return run.Page(run.Position);
                }
            }

            fromSlot = minutes[^1] + 1;
        }

        return run.Page(null);
    }

    /// <summary>
    /// Lists what <paramref name="run"/> wants of one minute, after its position, until the page is full or the budget
    /// is used up (false: the minute goes on past the run's position).
    /// </summary>
    private async Task<bool> BrowseMinuteAsync(long slot, BrowseRun run)
    {
        var start = TimeSlot.StartMs(slot);
        var (low, high) = (run.LowestAfter(slot), run.Highest(slot));
        RedisKey[] keys = [_keys.Messages(slot), _keys.Meta(slot), _keys.Canceled(slot), _keys.Nonces(slot), _keys.Order(slot)];
        while (run.Left > 0)
        {
            var want = run.Query.Status is null ? run.Needed : Math.Max(run.Needed, BrowseFilteredWindow);
            var parts = (RedisResult[])(await Db.ScriptEvaluateAsync(SlotScripts.Browse, keys,
                [low < 0 ? "-inf" : "(" + Cursor(low), high is { } h ? Cursor(h) : "+inf", want, run.Left, BrowseWholeMinute, BrowseOrderIndexSeconds]).ConfigureAwait(false))!;
            run.Read += (long)parts[1];
            var minute = ListedMinute.Of(start, (RedisValue[])parts[0]!);
            switch ((int)parts[3])
            {
                case 0:
                    foreach (var (cursor, message) in minute.Whole((RedisValue[])parts[4]!, Sequences(parts[5]), (RedisValue[])parts[6]!)
                        .Where(m => m.Cursor > low && (high is null || m.Cursor <= high)))
                    {
                        if (run.Offer(message))
                        {
                            return true;
                        }
                    }

                    run.Finished(slot);
                    return true;
                case 1:
                    var seqs = Sequences(parts[4]);
                    var elements = (RedisValue[])parts[5]!;
                    var states = (RedisResult[])parts[6]!;
                    for (var i = 0; i < seqs.Length; i++)
                    {
                        var (cursor, message) = minute.Describe(seqs[i], elements[i], ListedMinute.Settled(states[i]));
                        low = cursor;
                        if (run.Offer(message))
                        {
                            return true;
                        }
                    }

                    if (seqs.Length < (int)parts[7])
                    {
                        run.Finished(slot);
                        return true;
                    }

                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>
    /// A minute's meta fields as the listing reads them, and how it describes each message from them.
    /// </summary>
    private sealed record ListedMinute(long Start, long Printed, string? Receipts, EpochRanges Epochs)
    {
        public static ListedMinute Of(long start, RedisValue[] meta) =>
            new(start, meta[0].IsNullOrEmpty ? SlotCursor.None : (long)meta[0], (string?)meta[1], EpochRanges.Parse((string?)meta[2]));

        /// <summary>A whole minute (the element of sequence i at i), in print order.</summary>
        public IEnumerable<(long Cursor, BrowsedMessage Message)> Whole(RedisValue[] elements, int[] done, RedisValue[] moves)
        {
            var settled = new Dictionary<int, MessageRecord>();
            foreach (var seq in done.Where(s => s >= 0))
            {
                settled[seq] = new MessageRecord(MessageStatus.Canceled);
            }

            // Expired is never recorded over a cancel; were both there, canceled would answer, as in a lookup.
            foreach (var seq in done.Where(s => s < 0))
            {
                settled.TryAdd(-1 - seq, new MessageRecord(MessageStatus.Expired));
            }

            for (var i = 0; i + 1 < moves.Length; i += 2)
            {
                settled[(int)moves[i]] = Moved((string)moves[i + 1]!);
            }

            return Enumerable.Range(0, elements.Length)
                .Select(seq => Describe(seq, elements[seq], settled.TryGetValue(seq, out var record) ? record : null))
                .OrderBy(m => m.Cursor);
        }

        /// <summary>
        /// What <c>browse.lua</c> says of one message it read through the order index: 0, 1 canceled, 2 expired or a
        /// move record.
        /// </summary>
        public static MessageRecord? Settled(RedisResult state) => state.Resp2Type == ResultType.Integer
            ? (int)state switch
            {
                1 => new MessageRecord(MessageStatus.Canceled),
                2 => new MessageRecord(MessageStatus.Expired),
                _ => null,
            }
            : Moved((string)state!);

        /// <summary>
        /// One message; <paramref name="settled"/> when it was canceled, expired or moved, else it is scheduled or
        /// printed by the printed cursor, with its receipt.
        /// </summary>
        public (long Cursor, BrowsedMessage Message) Describe(int seq, RedisValue element, MessageRecord? settled)
        {
            var entry = SlotElement.Read(element);
            var cursor = SlotCursor.Of(entry.OffsetMs, seq);
            var record = settled ?? (cursor > Printed ? new MessageRecord(MessageStatus.Scheduled)
                : BatchReceipt.Find(Receipts, entry.OffsetMs, seq) is { } receipt ? new MessageRecord(MessageStatus.Printed, Start + receipt.AtMs, receipt.Redelivered)
                : new MessageRecord(MessageStatus.Printed));
            return (cursor, new BrowsedMessage(new MessageId(Start + entry.OffsetMs, seq, Epochs.EpochOf(seq)), entry.Message, record, entry.ExpireAfterMs));
        }

        private static MessageRecord Moved(string record) => new(MessageStatus.Moved, MovedTo: MoveRecord.Parse(record).NewId);
    }
}
