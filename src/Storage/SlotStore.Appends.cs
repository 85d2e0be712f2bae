using System.Runtime.ExceptionServices;
using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>Plain appends, group-committed across minutes (<see cref="AppendGroupCommit"/>).</summary>
public sealed partial class SlotStore
{
    // Bounds one script call (Redis runs nothing else meanwhile), and keeps its arguments' array off
    // the large-object heap; a bigger flush goes in several, pipelined.
    private const int MaxElementsPerScript = 4_000;
    private const int MaxMinutesPerScript = 1_000;

    private AppendGroupCommit? _appends;

    /// <summary>
    /// Registers the slot as pending, then appends (see <see cref="IndexThenAsync"/>), so a message
    /// is never in a list the index does not point to. A refused minute stores none of its elements,
    /// so a retry never stores one twice.
    /// </summary>
    public async Task<AppendResult> AppendAsync(long slot, IReadOnlyList<RedisValue> elements, int minOffsetMs)
    {
        var result = (await AppendManyAsync([new SlotAppend(slot, elements, minOffsetMs)]).ConfigureAwait(false))[0];
        if (result.Failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return result;
    }

    /// <summary>
    /// Appends to several minutes, each guarded on its own (closed, floor), with whatever else this
    /// process appends at the same moment: results in the order of <paramref name="appends"/>. A minute
    /// whose script failed, or whose server's replicas did not acknowledge it, answers
    /// <see cref="AppendResult.Failed"/> while the rest answer as stored: a caller's 503 is only for what
    /// was not carried out.
    /// </summary>
    public Task<AppendResult[]> AppendManyAsync(IReadOnlyList<SlotAppend> appends) => (_appends ?? StartGroupCommit()).AppendAsync(appends);

    private AppendGroupCommit StartGroupCommit()
    {
        Interlocked.CompareExchange(ref _appends, new AppendGroupCommit(FlushAppendsAsync), null);
        return _appends;
    }

    /// <summary>
    /// One flush: the index for every minute of it, then the scripts (<see cref="IndexThenAsync"/>);
    /// on Redis Cluster a script's keys must share a hash slot, so one script per slot, in practice
    /// per minute. Results are given only once the replicas asked for acknowledged them, on every server
    /// written (the index's too); a minute whose script or acknowledgement failed answers that failure.
    /// </summary>
    private async Task FlushAppendsAsync(List<AppendGroupCommit.Pending> batch)
    {
        var cluster = _topology.IsCluster;
        var (chunks, slots) = Chunks(batch, cluster);
        var db = Db;
        var (replies, indexed) = await IndexThenAsync(slots, () => SendChunks(db, chunks)).ConfigureAwait(false);
        await Settled(replies).ConfigureAwait(false);
        var failures = new Exception?[replies.Length];
        for (var i = 0; i < replies.Length; i++)
        {
            failures[i] = replies[i].IsCompletedSuccessfully ? null : replies[i].Exception!.InnerException;
        }

        if (_replicaAcks > 0)
        {
            var stored = Enumerable.Range(0, chunks.Count).Where(i => failures[i] is null).ToList();
            var acks = AcknowledgingServers(stored.Select(i => _keys.Messages(chunks[i][0].Slot)), indexed)
                .ToDictionary(s => s.EndPoint, s => WaitForReplicasAsync(s, "an append"));
            await Settled(acks.Values).ConfigureAwait(false);
            var indexAck = indexed > 0 ? acks[_index.Server.EndPoint] : Task.CompletedTask;
            foreach (var i in stored)
            {
                var ack = acks[redis.GetServer(_keys.Messages(chunks[i][0].Slot)).EndPoint];
                failures[i] = ack.Exception?.InnerException ?? indexAck.Exception?.InnerException;
            }
        }

        for (var i = 0; i < chunks.Count; i++)
        {
            if (failures[i] is { } failure)
            {
                foreach (var share in chunks[i])
                {
                    for (var p = 0; p < share.Parts.Count; p++)
                    {
                        share.Parts[p].Pending.Results[share.Parts[p].Position] = AppendResult.Failed(failure);
                    }
                }
            }
        }

        foreach (var pending in batch)
        {
            pending.Done.TrySetResult(pending.Results);
        }
    }

    private Task[] SendChunks(IDatabase db, List<List<MinuteShare>> chunks)
    {
        var sent = new Task[chunks.Count];
        for (var i = 0; i < sent.Length; i++)
        {
            sent[i] = SendChunkAsync(db, chunks[i]);
        }

        return sent;
    }

    /// <summary>Waits for every task, failed or not: each is looked at on its own.</summary>
    private static async Task Settled(IEnumerable<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Each failure is read from its own task.
        }
    }

    /// <summary>
    /// The flush's appends by minute — one minute's appends from several callers become one guarded
    /// append, in the callers' order (all stored, or all refused: a refused caller retries anyway) —
    /// in script-sized chunks; on Redis Cluster each chunk within one hash slot.
    /// </summary>
    private (List<List<MinuteShare>> Chunks, long[] Slots) Chunks(List<AppendGroupCommit.Pending> batch, bool cluster)
    {
        var minutes = new Dictionary<long, MinuteShare>();
        var order = new List<MinuteShare>();
        foreach (var pending in batch)
        {
            for (var position = 0; position < pending.Appends.Count; position++)
            {
                var append = pending.Appends[position];
                if (!minutes.TryGetValue(append.Slot, out var share))
                {
                    minutes[append.Slot] = share = new MinuteShare(append.Slot);
                    order.Add(share);
                }

                share.Add(pending, position, append);
            }
        }

        var slots = new long[order.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = order[i].Slot;
        }

        IEnumerable<IEnumerable<MinuteShare>> groups = cluster ? order.GroupBy(m => redis.HashSlot(_keys.Messages(m.Slot))) : [order];
        var chunks = new List<List<MinuteShare>>();
        foreach (var group in groups)
        {
            var elements = 0;
            foreach (var share in group)
            {
                if (elements == 0 || chunks[^1].Count == MaxMinutesPerScript || elements + share.Elements > MaxElementsPerScript)
                {
                    chunks.Add([]);
                    elements = 0;
                }

                chunks[^1].Add(share);
                elements += share.Elements;
            }
        }

        return (chunks, slots);
    }

    /// <summary>One script call for a chunk; writes each minute's result into its callers' results.</summary>
    private async Task SendChunkAsync(IDatabase db, List<MinuteShare> chunk)
    {
        var keys = new RedisKey[chunk.Count * 2];
        var count = 0;
        foreach (var share in chunk)
        {
            count += share.Elements + 3;
        }

        var values = new RedisValue[count];
        var v = 0;
        for (var k = 0; k < chunk.Count; k++)
        {
            var share = chunk[k];
            (keys[2 * k], keys[(2 * k) + 1]) = (_keys.Messages(share.Slot), _keys.Meta(share.Slot));
            values[v++] = share.Elements;
            values[v++] = share.MinOffsetMs;
            values[v++] = OpenUntilMs(share.Slot);
            for (var p = 0; p < share.Parts.Count; p++)
            {
                var elements = share.Parts[p].Append.Elements;
                for (var e = 0; e < elements.Count; e++)
                {
                    values[v++] = elements[e];
                }
            }
        }

        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(SlotScripts.Append, keys, values).ConfigureAwait(false))!;
        var current = (string)reply[0]!;
        for (var k = 0; k < chunk.Count; k++)
        {
            var length = (long)reply[(2 * k) + 1];
            var first = length - chunk[k].Elements;
            for (var p = 0; p < chunk[k].Parts.Count; p++)
            {
                var (pending, position, append) = chunk[k].Parts[p];
                pending.Results[position] = length switch
                {
                    -1 => AppendResult.ClosedAt(StoreNow(reply[(2 * k) + 2])),
                    -2 => AppendResult.BelowFloor((int)reply[(2 * k) + 2]),
                    _ => AppendResult.Appended(Consecutive(first, append.Elements.Count), current, (string?)reply[(2 * k) + 2]),
                };
                first += append.Elements.Count;
            }
        }
    }

    /// <summary>
    /// The store's clock in a closed refusal: set when the minute is over by it, empty when it was closed.
    /// </summary>
    private static long? StoreNow(RedisResult value) => value.Resp2Type == ResultType.Integer ? (long)value : null;

    private static int[] Consecutive(long first, int count)
    {
        var seqs = new int[count];
        for (var i = 0; i < count; i++)
        {
            seqs[i] = (int)(first + i);
        }

        return seqs;
    }

    /// <summary>What a flush appends to one minute, from one or more callers.</summary>
    private sealed class MinuteShare(long slot)
    {
        public long Slot { get; } = slot;

        // Most minutes of a flush have one caller: a list of one.
        public List<(AppendGroupCommit.Pending Pending, int Position, SlotAppend Append)> Parts { get; } = new(1);

        public int Elements { get; private set; }

        public int MinOffsetMs { get; private set; } = int.MaxValue;

        public void Add(AppendGroupCommit.Pending pending, int position, SlotAppend append)
        {
            Parts.Add((pending, position, append));
            Elements += append.Elements.Count;
            MinOffsetMs = Math.Min(MinOffsetMs, append.MinOffsetMs);
        }
    }
}
