using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// The Redis side of time slots: one round trip per operation, scripts for anything that must be atomic.
/// </summary>
public sealed partial class SlotStore(IConnectionMultiplexer redis, IOptions<EchoOptions> options)
{
    // The epoch record argument of commit and drain for callers without a view: not compared.
    private const string Unchecked = "*";

    // A whole minute can hold millions of messages: read it in bounded replies.
    private const int LoadPage = 20_000;

    private readonly RedisKeys _keys = new(options.Value.KeyPrefix);
    private readonly PendingIndex _index = new(redis, new RedisKeys(options.Value.KeyPrefix));
    private readonly StoreTopology _topology = new(redis);
    private readonly int _replicaAcks = options.Value.ReplicaAcks;
    private readonly long _replicaAckTimeoutMs = (long)options.Value.ReplicaAckTimeout.TotalMilliseconds;
    private readonly long _retentionSeconds = (long)Math.Max(1, options.Value.Retention.TotalSeconds);
    private readonly long _appendGraceMs = (long)Math.Min(options.Value.AppendGrace.TotalMilliseconds, 1e15);

    private IDatabase Db => redis.GetDatabase();

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

        var incarnation = (RedisResult[])parts[4]!;
        var restartedAgoMs = (long)incarnation[1];
        return new SlotSnapshot(
            Version: meta[0].IsNull ? 0 : (long)meta[0],
            PrintedCursor: meta[1].IsNullOrEmpty ? SlotCursor.None : (long)meta[1],
            PrintingCursor: meta[2].IsNullOrEmpty ? SlotCursor.None : (long)meta[2],
            Closed: !meta[3].IsNull,
            Epochs: (string?)meta[4],
            Elements: elements,
            Canceled: Sequences(parts[3]))
        {
            StoreEpoch = (string?)incarnation[0],
            RestartedAgoMs = restartedAgoMs < 0 ? null : restartedAgoMs,
            CanceledUnder = (string?)meta[5] ?? "",
        };
    }

    /// <summary>
    /// The fence: records progress if <paramref name="version"/> is still current, and declares
    /// <paramref name="printingCursor"/> only when the list holds exactly <paramref name="loadedCount"/>
    /// elements. Returns the elements beyond <paramref name="loadedCount"/> and, when there are more
    /// than <paramref name="knownCanceled"/> or the latest was canceled under another store epoch than
    /// <paramref name="canceledUnder"/>, every canceled sequence; null when another activation
    /// owns the slot; <see cref="CommitResult.Reincarnated"/> when the minute's epoch record is not
    /// <paramref name="viewEpochs"/> (null: not checked, for callers that hold no view).
    /// <paramref name="receipt"/> is the confirmed batch's receipt (<see cref="BatchReceipt"/>), kept with the minute;
    /// <paramref name="expired"/> the sequences of the declared batch that expired, recorded with the declaration.
    /// </summary>
    public async Task<CommitResult?> CommitAsync(long slot, long version, long printedCursor, int printedCount, long printingCursor, int loadedCount, int knownCanceled = -1, string? viewEpochs = null, string receipt = "", IReadOnlyList<int>? expired = null, string canceledUnder = "")
    {
        var result = await Db.ScriptEvaluateAsync(
            SlotScripts.Commit,
            SlotKeys(slot),
            [version, Cursor(printedCursor), printedCount, Cursor(printingCursor), loadedCount, knownCanceled, viewEpochs ?? Unchecked, receipt, canceledUnder, .. (expired ?? []).Select(s => (RedisValue)s)]).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        if (parts.Length == 1)
        {
            return CommitResult.StoreReincarnated;
        }

        if (_replicaAcks > 0)
        {
            // Before the declared batch reaches the console: a failover that lost the declaration would let the next
            // owner print it again unflagged, and one that lost the progress would let a PATCH move a printed message.
            await WaitForReplicasAsync(redis.GetServer(_keys.Messages(slot)), $"the commit of slot {slot}").ConfigureAwait(false);
        }

        return new CommitResult((long)parts[0] == 1, (RedisValue[])parts[1]!, Sequences(parts[2]), (string?)parts[3]) { CanceledUnder = (string?)parts[4] ?? "" };
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

        return (ScriptReplies.Drain((string?)result), []);
    }

    /// <summary>
    /// Unix ms from which the store refuses appends to the minute (<see cref="EchoOptions.AppendGrace"/>).
    /// </summary>
    private long OpenUntilMs(long slot) => TimeSlot.EndMs(slot) + _appendGraceMs;

    private RedisKey[] SlotKeys(long slot) => [_keys.Messages(slot), _keys.Meta(slot), _keys.Canceled(slot), _keys.Nonces(slot)];

    /// <summary>
    /// Adds the slots to the index of pending slots, then sends what <paramref name="send"/> sends to
    /// their keys (append scripts), so a message is never in a list the index does not point to. On
    /// one Redis both go out in one pipelined round trip, on one connection, so they run in that
    /// order. On Redis Cluster the index and the slots live on different shards, whose connections
    /// keep no order between them: the appends wait for the index's reply, one round trip more.
    /// Returns what <paramref name="send"/> returned, once the index is written, and how many minutes the index
    /// gained: where replicas must acknowledge, those go to the index's server too.
    /// </summary>
    private async Task<(T Sent, long Indexed)> IndexThenAsync<T>(IEnumerable<long> slots, Func<T> send)
    {
        var index = _index.AddAsync(slots);
        if (_topology.IsCluster)
        {
            await index.ConfigureAwait(false);
        }

        var sent = send();
        return (sent, await index.ConfigureAwait(false));
    }

    /// <summary>
    /// The servers a write must be acknowledged on: those holding its keys and, when it indexed a minute, the
    /// index's (on Redis Cluster another shard: a failover there before its replica had the entry would leave the
    /// minute found by nothing).
    /// </summary>
    private IEnumerable<IServer> AcknowledgingServers(IEnumerable<RedisKey> written, long indexed) =>
        written.Select(key => redis.GetServer(key)).Concat(indexed > 0 ? [_index.Server] : []).DistinctBy(s => s.EndPoint);

    /// <summary>
    /// <c>WAIT</c> covers every write this process's connection sent to the server before it; too few
    /// acknowledgements throw. A store without <c>WAIT</c> (Garnet standalone answers "unknown command")
    /// can never give the acknowledgement asked for, so it fails the same way, saying why.
    /// </summary>
    private async Task WaitForReplicasAsync(IServer server, string what)
    {
        long acked;
        try
        {
            acked = (long)await server.ExecuteAsync("WAIT", _replicaAcks, _replicaAckTimeoutMs).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (!ex.Message.StartsWith("LOADING", StringComparison.Ordinal))
        {
            throw new RedisException($"The store refused WAIT ({ex.Message}): {what} is not acknowledged by {_replicaAcks} replica(s); Echo:ReplicaAcks needs a Redis primary with replicas.", ex);
        }

        if (acked < _replicaAcks)
        {
            throw new RedisException($"{acked} of {_replicaAcks} replica(s) acknowledged {what} within {_replicaAckTimeoutMs} ms.");
        }
    }

    private static int[] Sequences(RedisResult members) => Array.ConvertAll((RedisValue[])members!, m => (int)m);

    private static string Cursor(long cursor) => cursor.ToString(CultureInfo.InvariantCulture);
}
