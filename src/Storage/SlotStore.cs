using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>The Redis side of time slots: one round trip per operation, scripts for anything that must be atomic.</summary>
public sealed partial class SlotStore(IConnectionMultiplexer redis, IOptions<EchoOptions> options, StoreEpoch epoch)
{
    /// <summary>For tests and tools that set up slots directly: reads the store's epoch itself.</summary>
    public SlotStore(IConnectionMultiplexer redis, IOptions<EchoOptions> options)
        : this(redis, options, new StoreEpoch(redis))
    {
    }

    // The epoch record argument of commit and drain for callers without a view: not compared.
    private const string Unchecked = "*";

    // A whole minute can hold millions of messages: read it in bounded replies.
    private const int LoadPage = 20_000;

    private readonly RedisKeys _keys = new(options.Value.KeyPrefix);
    private readonly StoreTopology _topology = new(redis);
    private readonly long _retentionSeconds = (long)Math.Max(1, options.Value.Retention.TotalSeconds);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Registers the slot as pending, then appends (see <see cref="IndexThenAsync"/>), so a message is
    /// never in a list the index does not point to. The append is one script
    /// however many elements it carries: a refusal stores none of them, so a retry never stores one twice.
    /// </summary>
    public async Task<AppendResult> AppendAsync(long slot, IReadOnlyList<RedisValue> elements, int minOffsetMs)
    {
        var db = Db;
        var current = await epoch.CurrentAsync(_keys.Meta(slot)).ConfigureAwait(false);
        var values = new RedisValue[elements.Count + 2];
        values[0] = minOffsetMs;
        values[1] = current;
        for (var i = 0; i < elements.Count; i++)
        {
            values[i + 2] = elements[i];
        }

        var reply = (RedisValue[])(await IndexThenAsync(slot, SlotScripts.Append, [_keys.Messages(slot), _keys.Meta(slot)], values).ConfigureAwait(false))!;
        var length = (long)reply[0];
        if (length < 0)
        {
            return length == -1 ? AppendResult.Closed : AppendResult.BelowFloor((int)reply[1]);
        }

        var seqs = new int[elements.Count];
        for (var i = 0; i < seqs.Length; i++)
        {
            seqs[i] = (int)(length - seqs.Length + i);
        }

        return AppendResult.Appended(seqs, current, (string?)reply[1]);
    }

    /// <summary>
    /// Appends keyed messages under their reservations' nonces in one script (see
    /// <see cref="SlotScripts.AppendKeyed"/>): per element the new sequence, the original's id
    /// (<see cref="AppendResult.Repeats"/>), or that it must go to a later minute
    /// (<see cref="AppendResult.Moved"/>: this minute will never store it); the head says closed or
    /// below the floor as for <see cref="AppendAsync"/>, for what was neither stored nor found.
    /// </summary>
    public async Task<AppendResult> AppendKeyedAsync(long slot, IReadOnlyList<(RedisValue Element, long DueMs, string Nonce, bool Here)> messages)
    {
        var current = await epoch.CurrentAsync(_keys.Meta(slot)).ConfigureAwait(false);
        var values = new RedisValue[(messages.Count * 4) + 2];
        (values[0], values[1]) = (current, _retentionSeconds);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            values[2 + (i * 4)] = m.Nonce;
            values[3 + (i * 4)] = m.DueMs;
            values[4 + (i * 4)] = m.Element;
            values[5 + (i * 4)] = m.Here ? "1" : "0";
        }

        var reply = (RedisResult[])(await IndexThenAsync(slot, SlotScripts.AppendKeyed, [_keys.Messages(slot), _keys.Meta(slot), _keys.Nonces(slot)], values).ConfigureAwait(false))!;
        var status = (long)reply[0];
        var seqs = new int[messages.Count];
        var repeats = new ScheduleResult?[messages.Count];
        var moved = new bool[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var item = reply[i + 2];
            seqs[i] = item.Resp2Type == ResultType.Integer ? (int)item : -1;
            if (seqs[i] >= 0)
            {
                continue;
            }

            var text = (string?)item ?? "";
            moved[i] = text == ">";
            if (MessageId.TryParse(text, out var original))
            {
                repeats[i] = new ScheduleResult(original, ScheduleOutcome.Repeated);
            }
        }

        return status switch
        {
            -1 => new AppendResult(seqs, true, null, repeats, Moved: moved),
            -2 => new AppendResult(seqs, false, (int)reply[1], repeats, Moved: moved),
            _ => AppendResult.Appended(seqs, current, (string?)reply[1], repeats) with { Moved = moved },
        };
    }

    /// <summary>
    /// Reserves idempotency keys, each in its own round of the same pipeline: per key the
    /// reservation that holds (an earlier request's, or a new one pointing at
    /// <paramref name="slots"/>), or null when the key is held by a request with another fingerprint.
    /// </summary>
    public async Task<KeyReservation?[]> ReserveAsync(IReadOnlyList<(string Key, string Fingerprint)> keys, IReadOnlyList<long> slots)
    {
        var db = Db;
        var replies = new Task<RedisResult>[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            var nonce = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
            replies[i] = db.ScriptEvaluateAsync(SlotScripts.Reserve, [_keys.Idempotency(keys[i].Key)], [keys[i].Fingerprint, nonce, slots[i], _retentionSeconds]);
        }

        await Task.WhenAll(replies).ConfigureAwait(false);
        return [.. replies.Select((r, i) => KeyReservation.Parse((string?)r.Result ?? "", keys[i].Fingerprint))];
    }

    /// <summary>
    /// Points a reservation at a later minute, after <paramref name="from"/> marked its nonce as moved
    /// on; returns the minute it points at afterwards (another request may have moved it first), or
    /// <paramref name="to"/> when it expired meanwhile.
    /// </summary>
    public async Task<long> MoveReservationAsync(string key, string nonce, long from, long to)
    {
        var held = (string?)await Db.ScriptEvaluateAsync(SlotScripts.MoveReservation, [_keys.Idempotency(key)], [nonce, from, to]).ConfigureAwait(false);
        var bar = held?.LastIndexOf('|') ?? -1;
        return bar >= 0 && long.TryParse(held.AsSpan(bar + 1), CultureInfo.InvariantCulture, out var slot) ? slot : to;
    }

    public async Task<SlotSnapshot> LoadAsync(long slot)
    {
        var db = Db;
        var messages = _keys.Messages(slot);
        var result = await db.ScriptEvaluateAsync(SlotScripts.Load, [messages, _keys.Meta(slot), _keys.Canceled(slot)], [LoadPage]).ConfigureAwait(false);
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

        var lastWriteEpoch = (string?)(meta[5].IsNull ? meta[6] : meta[5]);
        return new SlotSnapshot(
            Version: meta[0].IsNull ? 0 : (long)meta[0],
            PrintedCursor: meta[1].IsNullOrEmpty ? SlotCursor.None : (long)meta[1],
            PrintingCursor: meta[2].IsNullOrEmpty ? SlotCursor.None : (long)meta[2],
            Closed: !meta[3].IsNull,
            Epochs: (string?)meta[4],
            Elements: elements,
            Canceled: Sequences(parts[3]))
        {
            MayHaveLostCommits = lastWriteEpoch is not null && lastWriteEpoch != await epoch.CurrentAsync(_keys.Meta(slot)).ConfigureAwait(false),
        };
    }

    /// <summary>
    /// The fence: records progress if <paramref name="version"/> is still current, and declares
    /// <paramref name="printingCursor"/> only when the list holds exactly <paramref name="loadedCount"/>
    /// elements. Returns the elements beyond <paramref name="loadedCount"/> and, when there are more
    /// than <paramref name="knownCanceled"/>, every canceled sequence; null when another activation
    /// owns the slot; <see cref="CommitResult.Reincarnated"/> when the minute's epoch record is not
    /// <paramref name="viewEpochs"/> (null: not checked, for callers that hold no view).
    /// </summary>
    public async Task<CommitResult?> CommitAsync(long slot, long version, long printedCursor, int printedCount, long printingCursor, int loadedCount, int knownCanceled = -1, string? viewEpochs = null)
    {
        var current = await epoch.CurrentAsync(_keys.Meta(slot)).ConfigureAwait(false);
        var result = await Db.ScriptEvaluateAsync(
            SlotScripts.Commit,
            SlotKeys(slot),
            [version, Cursor(printedCursor), printedCount, Cursor(printingCursor), loadedCount, knownCanceled, current, viewEpochs ?? Unchecked]).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        if (parts.Length == 1)
        {
            return CommitResult.StoreReincarnated;
        }

        return new CommitResult((long)parts[0] == 1, (RedisValue[])parts[1]!, Sequences(parts[2]), (string?)parts[3]);
    }

    /// <summary>
    /// The list's elements from <paramref name="from"/> on: what a printer loaded after its load. In
    /// pages, like the load: a printer that loaded an empty minute before a 150 000-message append
    /// would otherwise ask for megabytes in one reply (Garnet took over 5 s for one, and timed out).
    /// </summary>
    public async Task<RedisValue[]> TailAsync(long slot, int from)
    {
        // One round trip for the usual short tail; only a full first page asks for the length and the rest.
        var db = Db;
        var messages = _keys.Messages(slot);
        var first = await db.ListRangeAsync(messages, from, from + LoadPage - 1).ConfigureAwait(false);
        if (first.Length < LoadPage)
        {
            return first;
        }

        var length = await db.ListLengthAsync(messages).ConfigureAwait(false);
        var pages = new List<Task<RedisValue[]>>();
        for (long start = from + LoadPage; start < length; start += LoadPage)
        {
            pages.Add(db.ListRangeAsync(messages, start, Math.Min(length, start + LoadPage) - 1));
        }

        return [.. first, .. (await Task.WhenAll(pages).ConfigureAwait(false)).SelectMany(p => p)];
    }

    /// <summary>Closes a slot whose messages are all printed; true when it is (now) closed.</summary>
    public async Task<bool> CloseAsync(long slot)
    {
        var result = await Db.ScriptEvaluateAsync(SlotScripts.Close, SlotKeys(slot), [_retentionSeconds]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async Task<(DrainOutcome Outcome, RedisValue[] Unseen)> DrainAsync(long slot, long version, int loadedCount, string? viewEpochs = null)
    {
        var result = await Db.ScriptEvaluateAsync(
            SlotScripts.Drain,
            SlotKeys(slot),
            [version, loadedCount, _retentionSeconds, viewEpochs ?? Unchecked]).ConfigureAwait(false);
        if (result.Resp2Type == ResultType.Array)
        {
            return (DrainOutcome.UnseenMessages, (RedisValue[])result!);
        }

        return ((string?)result switch { "F" => DrainOutcome.Fenced, "R" => DrainOutcome.Reincarnated, _ => DrainOutcome.Drained }, []);
    }

    private RedisKey[] SlotKeys(long slot) => [_keys.Messages(slot), _keys.Meta(slot), _keys.Canceled(slot), _keys.Nonces(slot)];

    /// <summary>
    /// Adds the slot to the index of pending slots, then runs an append script on the slot's keys.
    /// On one Redis both go out in one pipelined round trip, on one connection, so they run in that
    /// order. On Redis Cluster the index and the slot live on different shards, whose connections keep
    /// no order between them: the append waits for the index's reply, one round trip more.
    /// </summary>
    private async Task<RedisResult> IndexThenAsync(long slot, string script, RedisKey[] keys, RedisValue[] values)
    {
        var db = Db;
        var index = db.SortedSetAddAsync(_keys.PendingSlots, slot, slot, SortedSetWhen.NotExists);
        if (_topology.IsCluster)
        {
            await index.ConfigureAwait(false);
            return await db.ScriptEvaluateAsync(script, keys, values).ConfigureAwait(false);
        }

        var appended = db.ScriptEvaluateAsync(script, keys, values);
        await index.ConfigureAwait(false);
        return await appended.ConfigureAwait(false);
    }

    private static int[] Sequences(RedisResult members) => Array.ConvertAll((RedisValue[])members!, m => (int)m);

    private static string Cursor(long cursor) => cursor.ToString(CultureInfo.InvariantCulture);
}
