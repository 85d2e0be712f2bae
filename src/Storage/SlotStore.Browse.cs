using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// Listings by due time: the pending index names the minutes that still hold their lists, each is
/// read with one script (pipelined, a few minutes at a time) and ordered here. A finished minute
/// keeps its summary and receipts, not its texts: its messages answer by id, not in a listing.
/// </summary>
public sealed partial class SlotStore
{
    // Bounds one call: the minutes it may read, and the list elements after which it stops at a minute's end.
    private const int BrowseMinutesPerRound = 8;
    private const int BrowseMaxMinutes = 64;
    private const long BrowseElementBudget = 20_000;

    public async Task<BrowsePage> BrowseAsync(BrowseQuery query)
    {
        var found = new List<BrowsedMessage>();
        var fromSlot = TimeSlot.Of(Math.Max(query.FromMs, query.After?.DueMs ?? long.MinValue));
        var toSlot = TimeSlot.Of(query.ToMs);
        var (minutesRead, elementsRead) = (0, 0L);
        while (fromSlot <= toSlot)
        {
            var minutes = await _index.RangeAsync(fromSlot, toSlot, BrowseMinutesPerRound).ConfigureAwait(false);
            if (minutes.Length == 0)
            {
                return new BrowsePage(found, null, minutesRead, elementsRead);
            }

            var reads = minutes.Select(ReadMinuteAsync).ToArray();
            foreach (var (slot, read) in minutes.Zip(reads))
            {
                var messages = await read.ConfigureAwait(false);
                minutesRead++;
                elementsRead += messages.Count;
                var wanted = messages
                    .Where(m => m.Id.DueMs >= query.FromMs && m.Id.DueMs <= query.ToMs
                        && query.After?.IsBefore(m.Id.DueMs, m.Id.Seq) != false
                        && (query.Status is null || m.Record.Status == query.Status))
                    .OrderBy(m => m.Id.DueMs).ThenBy(m => m.Id.Seq);
                foreach (var m in wanted)
                {
                    found.Add(m);
                    if (found.Count == query.Limit)
                    {
                        return new BrowsePage(found, new BrowseCursor(m.Id.DueMs, m.Id.Seq), minutesRead, elementsRead);
                    }
                }

                if ((elementsRead >= BrowseElementBudget || minutesRead >= BrowseMaxMinutes) && slot < toSlot)
                {
                    // Enough read for one call: the next page starts after this minute.
                    return new BrowsePage(found, new BrowseCursor(TimeSlot.EndMs(slot) - 1, int.MaxValue), minutesRead, elementsRead);
                }
            }

            fromSlot = minutes[^1] + 1;
        }

        return new BrowsePage(found, null, minutesRead, elementsRead);
    }

    /// <summary>Every message of a minute that still holds its list, with where it stands.</summary>
    private async Task<List<BrowsedMessage>> ReadMinuteAsync(long slot)
    {
        var db = Db;
        var list = _keys.Messages(slot);
        var parts = (RedisResult[])(await db.ScriptEvaluateAsync(SlotScripts.Browse, [list, _keys.Meta(slot), _keys.Canceled(slot), _keys.Nonces(slot)], [LoadPage]).ConfigureAwait(false))!;
        var meta = (RedisValue[])parts[0]!;
        var length = (long)parts[1];
        RedisValue[] elements = (RedisValue[])parts[2]!;
        if (length > elements.Length)
        {
            var pages = new List<Task<RedisValue[]>>();
            for (var from = (long)elements.Length; from < length; from += LoadPage)
            {
                pages.Add(db.ListRangeAsync(list, from, Math.Min(length, from + LoadPage) - 1));
            }

            elements = [.. elements, .. (await Task.WhenAll(pages).ConfigureAwait(false)).SelectMany(p => p)];
        }

        var printed = meta[0].IsNullOrEmpty ? SlotCursor.None : (long)meta[0];
        var receipts = (string?)meta[1];
        var epochs = EpochRanges.Parse((string?)meta[2]);
        var done = Sequences(parts[3]).ToHashSet();
        var moves = (RedisValue[])parts[4]!;
        var movedTo = new Dictionary<int, MessageId?>();
        for (var i = 0; i + 1 < moves.Length; i += 2)
        {
            movedTo[(int)moves[i]] = MoveRecord.Parse((string)moves[i + 1]!).NewId;
        }

        var start = TimeSlot.StartMs(slot);
        var messages = new List<BrowsedMessage>(elements.Length);
        for (var seq = 0; seq < elements.Length; seq++)
        {
            var entry = SlotElement.Read(elements[seq]);
            var record = movedTo.TryGetValue(seq, out var to) ? new MessageRecord(MessageStatus.Moved, MovedTo: to)
                : done.Contains(seq) ? new MessageRecord(MessageStatus.Canceled)
                : done.Contains(-1 - seq) ? new MessageRecord(MessageStatus.Expired)
                : SlotCursor.Of(entry.OffsetMs, seq) > printed ? new MessageRecord(MessageStatus.Scheduled)
                : BatchReceipt.Find(receipts, entry.OffsetMs, seq) is { } receipt ? new MessageRecord(MessageStatus.Printed, start + receipt.AtMs, receipt.Redelivered)
                : new MessageRecord(MessageStatus.Printed);
            messages.Add(new BrowsedMessage(new MessageId(start + entry.OffsetMs, seq, epochs.EpochOf(seq)), entry.Message, record, entry.ExpireAfterMs));
        }

        return messages;
    }
}
