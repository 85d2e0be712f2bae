using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Grains.Storage;

/// <summary>The Redis side of time slots: one round trip per operation, scripts for anything that must be atomic.</summary>
public sealed class SlotStore(IConnectionMultiplexer redis, IOptions<EchoOptions> options)
{
    // Lua's unpack has a stack limit of a few thousand values; append in chunks well below it.
    private const int AppendChunk = 1000;

    private readonly RedisKeys _keys = new(options.Value.KeyPrefix);
    private readonly long _retentionSeconds = (long)Math.Max(1, options.Value.Retention.TotalSeconds);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Registers the slot as pending, then appends. Both go out in one pipelined round trip, index
    /// first, so a message is never in a list the index does not point to.
    /// Returns the sequence of each element, or null when the slot is closed.
    /// </summary>
    public async Task<int[]?> AppendAsync(long slot, IReadOnlyList<RedisValue> elements)
    {
        var db = Db;
        var keys = new RedisKey[] { _keys.Messages(slot), _keys.Meta(slot) };
        var index = db.SortedSetAddAsync(_keys.PendingSlots, slot, slot, SortedSetWhen.NotExists);
        var chunks = new List<(Task<RedisResult> Result, int Count)>((elements.Count + AppendChunk - 1) / AppendChunk);
        for (var start = 0; start < elements.Count; start += AppendChunk)
        {
            var count = Math.Min(AppendChunk, elements.Count - start);
            var values = new RedisValue[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = elements[start + i];
            }

            chunks.Add((db.ScriptEvaluateAsync(SlotScripts.Append, keys, values), count));
        }

        await index.ConfigureAwait(false);
        var seqs = new int[elements.Count];
        var next = 0;
        foreach (var (result, count) in chunks)
        {
            var length = (long)await result.ConfigureAwait(false);
            if (length < 0)
            {
                // Later chunks can't have landed either: nothing closes a slot holding unprinted messages.
                return null;
            }

            for (var i = 0; i < count; i++)
            {
                seqs[next++] = (int)(length - count + i);
            }
        }

        return seqs;
    }

    public async Task<SlotSnapshot> LoadAsync(long slot)
    {
        var result = await Db.ScriptEvaluateAsync(SlotScripts.Load, [_keys.Messages(slot), _keys.Meta(slot)]).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var meta = (RedisValue[])parts[0]!;
        return new SlotSnapshot(
            Version: meta[0].IsNull ? 0 : (long)meta[0],
            PrintedCursor: meta[1].IsNullOrEmpty ? SlotCursor.None : (long)meta[1],
            PrintingCursor: meta[2].IsNullOrEmpty ? SlotCursor.None : (long)meta[2],
            Closed: !meta[3].IsNull,
            Elements: (RedisValue[])parts[1]!);
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
