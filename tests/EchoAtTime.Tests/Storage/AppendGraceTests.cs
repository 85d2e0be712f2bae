using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// A minute over by the store's clock takes no appends (<see cref="EchoOptions.AppendGrace"/>): the order check of a
/// later minute closes only the minute before it, so an older one that nobody indexed or closed must refuse a writer
/// whose clock is slow or who stalled between reading it and appending.
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class AppendGraceTests(RedisFixture redis)
{
    private readonly string _prefix = $"t{Guid.NewGuid():N}:";

    // Two minutes before now: over by more than the default grace whatever the second now is.
    private readonly long _over = TimeSlot.Of(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) - 2 - Random.Shared.Next(100);

    private SlotStore Store(TimeSpan? grace = null) =>
        new(redis.Multiplexer, Options.Create(new EchoOptions { KeyPrefix = _prefix, AppendGrace = grace ?? new EchoOptions().AppendGrace }));

    [Fact]
    public async Task An_append_to_a_minute_over_by_the_store_s_clock_is_refused_as_closed_with_the_store_s_now()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var plain = await Store().AppendAsync(_over, [SlotElement.Encode(10, "plain")], 10);
        var keyed = await Store().AppendKeyedAsync(_over, [(SlotElement.Encode(20, "keyed"), TimeSlot.StartMs(_over) + 20, "n1", true)]);
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.True(plain.IsClosed);
        Assert.Empty(plain.Seqs);
        Assert.InRange(plain.StoreNowMs!.Value, before - 1_000, after + 1_000);
        Assert.True(keyed.IsClosed);
        Assert.Equal([true], keyed.Moved!);
        Assert.InRange(keyed.StoreNowMs!.Value, before - 1_000, after + 1_000);
        Assert.Equal(0, await redis.Multiplexer.GetDatabase().ListLengthAsync(new RedisKeys(_prefix).Messages(_over)));
    }

    [Fact]
    public async Task The_same_minute_takes_appends_while_it_is_within_the_grace()
    {
        var plain = await Store(TimeSpan.FromMinutes(150)).AppendAsync(_over, [SlotElement.Encode(10, "plain")], 10);

        Assert.False(plain.IsClosed);
        Assert.Null(plain.StoreNowMs);
        Assert.Equal([0], plain.Seqs);
    }

    [Fact]
    public async Task A_closed_minute_refuses_without_a_store_time_so_the_writer_moves_only_to_the_next_minute()
    {
        var store = Store(TimeSpan.FromMinutes(150));
        Assert.True(await store.CloseAsync(_over));

        var refused = await store.AppendAsync(_over, [SlotElement.Encode(10, "plain")], 10);

        Assert.True(refused.IsClosed);
        Assert.Null(refused.StoreNowMs);
    }
}
