using EchoAtTime.Grains;
using EchoAtTime.Grains.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// A store that lost acknowledged writes (appendfsync other than always, a replica failover): the
/// list position of a lost message is free again and the next message takes it. Its id must not.
/// </summary>
public sealed class LostWriteTests
{
    [Fact]
    public async Task The_id_of_a_message_the_store_lost_never_names_the_message_that_took_its_place()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        var options = Options.Create(new EchoOptions { KeyPrefix = $"t{Guid.NewGuid():N}:" });
        var keys = new RedisKeys(options.Value.KeyPrefix);
        const long slot = 29_000_000;
        MessageId lost;
        await using (var before = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var store = new SlotStore(before, options);
            await store.AppendAsync(slot, [SlotElement.Encode(10, "kept")], 10);
            var appended = await store.AppendAsync(slot, [SlotElement.Encode(20, "lost")], 20);
            lost = new MessageId(TimeSlot.StartMs(slot) + 20, appended.Seqs[0], appended.Epoch);

            // What the store forgets when it crashes with the last write not yet on disk.
            await before.GetDatabase().ListTrimAsync(keys.Messages(slot), 0, 0);
        }

        await redis.KillAsync();
        await redis.StartAsync();
        await using var after = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var restarted = new SlotStore(after, options);
        var taken = await restarted.AppendAsync(slot, [SlotElement.Encode(20, "new")], 20);
        var taker = new MessageId(TimeSlot.StartMs(slot) + 20, taken.Seqs[0], taken.Epoch);

        Assert.Equal(lost.Seq, taker.Seq);
        Assert.NotEqual(lost.ToString(), taker.ToString());
        Assert.Equal(MessageStatus.Unknown, await restarted.StatusAsync(lost));
        Assert.Equal((CancelOutcome.Unknown, false), await restarted.CancelAsync(lost));
        Assert.Equal(MessageStatus.Scheduled, await restarted.StatusAsync(taker));
        Assert.Equal(MessageStatus.Scheduled, await restarted.StatusAsync(new MessageId(TimeSlot.StartMs(slot) + 10, 0, lost.Epoch)));
    }
}
