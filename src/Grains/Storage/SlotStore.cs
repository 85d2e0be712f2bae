using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Grains.Storage;

/// <summary>The Redis side of time slots: one round trip per operation, scripts for anything that must be atomic.</summary>
public sealed class SlotStore(IConnectionMultiplexer redis, IOptions<EchoOptions> options)
{
    // Lua's unpack has a stack limit of a few thousand values; append in chunks well below it.
    private const int AppendChunk = 1000;

    // A whole minute can hold millions of messages: read it in bounded replies.
    private const int LoadPage = 20_000;

    private readonly RedisKeys _keys = new(options.Value.KeyPrefix);
    private readonly long _retentionSeconds = (long)Math.Max(1, options.Value.Retention.TotalSeconds);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Registers the slot as pending, then appends. Both go out in one pipelined round trip, index
    /// first, so a message is never in a list the index does not point to.
    /// </summary>
    public async Task<AppendResult> AppendAsync(long slot, IReadOnlyList<RedisValue> elements, int minOffsetMs)
    {
        var db = Db;
        var keys = new RedisKey[] { _keys.Messages(slot), _keys.Meta(slot) };
        var index = db.SortedSetAddAsync(_keys.PendingSlots, slot, slot, SortedSetWhen.NotExists);
        var chunks = new List<(Task<RedisResult> Result, int Count)>((elements.Count + AppendChunk - 1) / AppendChunk);
        for (var start = 0; start < elements.Count; start += AppendChunk)
        {
            var count = Math.Min(AppendChunk, elements.Count - start);
            var values = new RedisValue[count + 1];
            values[0] = minOffsetMs;
            for (var i = 0; i < count; i++)
            {
                values[i + 1] = elements[start + i];
            }

            chunks.Add((db.ScriptEvaluateAsync(SlotScripts.Append, keys, values), count));
        }

        await index.ConfigureAwait(false);
        var seqs = new int[elements.Count];
        var next = 0;
        foreach (var (result, count) in chunks)
        {
            var reply = (RedisValue[])(await result.ConfigureAwait(false))!;
            var length = (long)reply[0];
            if (length < 0)
            {
                // Later chunks are refused too: the slot's state only moves forward, and nothing
                // closes a slot or moves its floor past messages that are not printed yet.
                return length == -1 ? AppendResult.Closed : AppendResult.BelowFloor((int)reply[1]);
            }

            for (var i = 0; i < count; i++)
            {
                seqs[next++] = (int)(length - count + i);
            }
        }

        return AppendResult.Appended(seqs);
    }

    public async Task<SlotSnapshot> LoadAsync(long slot)
    {
        var db = Db;
        var messages = _keys.Messages(slot);
        var result = await db.ScriptEvaluateAsync(SlotScripts.Load, [messages, _keys.Meta(slot)], [LoadPage]).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var meta = (RedisValue[])parts[0]!;
        var length = (long)parts[1];
        var first = (RedisValue[])parts[2]!;
        var elements = first;
        if (length > first.Length)
        {
            var pages = new List<Task<RedisValue[]>>();
            for (var start = (long)first.Length; start < length; start += LoadPage)
            {
                pages.Add(db.ListRangeAsync(messages, start, Math.Min(length, start + LoadPage) - 1));
            }

            elements = [.. first, .. (await Task.WhenAll(pages).ConfigureAwait(false)).SelectMany(p => p)];
        }

        return new SlotSnapshot(
            Version: meta[0].IsNull ? 0 : (long)meta[0],
            PrintedCursor: meta[1].IsNullOrEmpty ? SlotCursor.None : (long)meta[1],
            PrintingCursor: meta[2].IsNullOrEmpty ? SlotCursor.None : (long)meta[2],
            Closed: !meta[3].IsNull,
            Elements: elements);
    }

    /// <summary>
    /// The fence: records progress if <paramref name="version"/> is still current. Returns the
    /// elements beyond <paramref name="loadedCount"/>, or null when another activation owns the slot.
    /// </summary>
    public async Task<RedisValue[]?> CommitAsync(long slot, long version, long printedCursor, int printedCount, long printingCursor, int loadedCount)
    {
        var result = await Db.ScriptEvaluateAsync(
            SlotScripts.Commit,
            [_keys.Messages(slot), _keys.Meta(slot)],
            [version, Cursor(printedCursor), printedCount, Cursor(printingCursor), loadedCount]).ConfigureAwait(false);
        return result.IsNull ? null : (RedisValue[])result!;
    }

    /// <summary>Closes a slot whose messages are all printed; true when it is (now) closed.</summary>
    public async Task<bool> CloseAsync(long slot)
    {
        var result = await Db.ScriptEvaluateAsync(SlotScripts.Close, [_keys.Messages(slot), _keys.Meta(slot)], [_retentionSeconds]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async Task<(DrainOutcome Outcome, RedisValue[] Unseen)> DrainAsync(long slot, long version, int loadedCount)
    {
        var result = await Db.ScriptEvaluateAsync(
            SlotScripts.Drain,
            [_keys.Messages(slot), _keys.Meta(slot)],
            [version, loadedCount, _retentionSeconds]).ConfigureAwait(false);
        if (result.Resp2Type == ResultType.Array)
        {
            return (DrainOutcome.UnseenMessages, (RedisValue[])result!);
        }

        return ((string?)result == "F" ? DrainOutcome.Fenced : DrainOutcome.Drained, []);
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

    private static string Cursor(long cursor) => cursor.ToString(CultureInfo.InvariantCulture);
}
