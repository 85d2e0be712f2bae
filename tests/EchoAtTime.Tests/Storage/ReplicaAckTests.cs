using EchoAtTime.Grains;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// <c>Echo:ReplicaAcks</c>: an append is acknowledged only once that many replicas have it. The test
/// store has no replica, so an append that asks for one fails (the API answers 503) and one that
/// asks for none goes through. Redis answers WAIT with 0 acknowledgements; Garnet standalone has no
/// WAIT at all, which must fail the same way rather than leak a server error.
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class ReplicaAckTests(RedisFixture redis)
{
    private static readonly string Prefix = $"t{Guid.NewGuid():N}:";
    private readonly long _slot = Random.Shared.NextInt64(6_000_000, 7_000_000);

    private SlotStore Store(int replicaAcks) => new(redis.Multiplexer, Options.Create(new EchoOptions
    {
        KeyPrefix = Prefix,
        ReplicaAcks = replicaAcks,
        ReplicaAckTimeout = TimeSpan.FromMilliseconds(100),
        AppendGrace = EarlierRun.AnyMinute,
    }));

    [Fact]
    public async Task An_append_that_needs_a_replica_s_acknowledgement_fails_when_no_replica_has_it()
    {
        var element = SlotElement.Encode(1, "m");

        var refused = await Record.ExceptionAsync(() => Store(replicaAcks: 1).AppendAsync(_slot, [element], 1));
        var keyed = await Record.ExceptionAsync(() => Store(replicaAcks: 1).ReserveAsync([(Guid.NewGuid().ToString(), "fp")], [_slot]));
        var plain = await Store(replicaAcks: 0).AppendAsync(_slot, [element], 1);

        var why = RedisServer.Kind == StoreKind.Garnet ? "The store refused WAIT" : "0 of 1 replica(s)";
        Assert.IsType<RedisException>(refused);
        Assert.Contains(why, refused.Message, StringComparison.Ordinal);
        Assert.IsType<RedisException>(keyed);
        Assert.Contains(why, keyed!.Message, StringComparison.Ordinal);
        Assert.Equal([1], plain.Seqs);
    }

    [Fact]
    public async Task A_cancel_no_replica_acknowledged_is_not_answered_as_done()
    {
        var appended = await Store(replicaAcks: 0).AppendAsync(_slot, [SlotElement.Encode(5, "c")], 5);
        var id = new MessageId(TimeSlot.StartMs(_slot) + 5, appended.Seqs[0], appended.Epoch);

        var refused = await Record.ExceptionAsync(() => Store(replicaAcks: 1).CancelAsync(id));

        Assert.IsType<RedisException>(refused);
        Assert.Contains("the cancel of", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_commit_no_replica_acknowledged_fails_before_its_batch_may_print()
    {
        await Store(replicaAcks: 0).AppendAsync(_slot, [SlotElement.Encode(7, "p")], 7);

        var refused = await Record.ExceptionAsync(() => Store(replicaAcks: 1).CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(7, 0), 1));

        Assert.IsType<RedisException>(refused);
        Assert.Contains("the commit of slot", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// On Redis Cluster the index of pending minutes lives on its own shard: an append that indexed a new minute
    /// must be acknowledged there too, or a failover of that shard loses the only pointer to the minute. Counted
    /// with INFO commandstats on each master (WAITs run side by side, so the index's is sent though the list's fails).
    /// </summary>
    [Fact]
    public async Task An_append_that_indexes_a_minute_waits_for_the_replicas_of_the_index_s_server_too()
    {
        var keys = new RedisKeys(Prefix);
        var indexServer = redis.Multiplexer.GetServer(keys.PendingHours);
        var slot = _slot;
        while (redis.Multiplexer.GetServer(keys.Messages(slot)).EndPoint.Equals(indexServer.EndPoint) && RedisServer.Kind == StoreKind.RedisCluster)
        {
            slot++;
        }

        var waitsBefore = await WaitCallsAsync(indexServer);
        var failed = await Store(replicaAcks: 1).AppendManyAsync([new SlotAppend(slot, [SlotElement.Encode(1, "i")], 1)]);

        Assert.NotNull(failed[0].Failure);
        if (RedisServer.Kind != StoreKind.Garnet)
        {
            Assert.True(await WaitCallsAsync(indexServer) > waitsBefore, "no WAIT reached the server of the pending index");
        }
    }

    private static async Task<long> WaitCallsAsync(IServer server)
    {
        var stats = (string)(await server.ExecuteAsync("INFO", "commandstats"))!;
        var line = stats.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_wait:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["cmdstat_wait:calls=".Length..].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
