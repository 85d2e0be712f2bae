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
}
