using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The two-level index of pending minutes against a real store: hours, minutes, the count, and the move from the
/// one-ZSET index.
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class PendingIndexTests
{
    private readonly RedisFixture _redis;
    private readonly RedisKeys _keys;
    private readonly PendingIndex _index;

    // The first minute of an hour, so that _hour + 59 is in the same hour and _hour + 60 in the next.
    private readonly long _hour = Random.Shared.NextInt64(100_000, 200_000) * 60;

    public PendingIndexTests(RedisFixture redis)
    {
        // A prefix per test: the count is of the whole index.
        (_redis, _keys) = (redis, new RedisKeys($"t{Guid.NewGuid():N}:"));
        _index = new PendingIndex(redis.Multiplexer, _keys);
    }

    [Fact]
    public async Task Minutes_are_listed_in_order_across_hours_and_an_hour_leaves_the_index_with_its_last_minute()
    {
        var db = _redis.Multiplexer.GetDatabase();
        await _index.AddAsync([_hour + 60, _hour + 59, _hour]);
        Assert.Equal(3, await _index.CountAsync());
        Assert.Equal(new[] { _hour, _hour + 59, _hour + 60 }, await _index.ThroughAsync(long.MaxValue, 10));
        Assert.Equal(new[] { _hour, _hour + 59 }, await _index.ThroughAsync(_hour + 59, 10));
        Assert.Equal(new[] { _hour }, await _index.ThroughAsync(long.MaxValue, 1));
        Assert.Equal(_hour, await _index.EarliestAsync(long.MaxValue));
        Assert.Null(await _index.EarliestAsync(_hour - 1));
        Assert.Equal(_hour, await _index.EarliestAsync(_hour));

        Assert.True(await _index.RemoveAsync(_hour));
        Assert.NotNull(await db.SortedSetScoreAsync(_keys.PendingHours, PendingIndex.HourOf(_hour)));
        Assert.True(await _index.RemoveAsync(_hour + 59));
        Assert.Null(await db.SortedSetScoreAsync(_keys.PendingHours, PendingIndex.HourOf(_hour)));
        Assert.Equal(_hour + 60, await _index.EarliestAsync(long.MaxValue));

        Assert.True(await _index.RemoveAsync(_hour + 60));
        Assert.False(await _index.RemoveAsync(_hour + 60));
        Assert.Equal(0, await _index.CountAsync());
        Assert.Null(await _index.EarliestAsync(long.MaxValue));
        Assert.Empty(await _index.ThroughAsync(long.MaxValue, 10));
    }

    [Fact]
    public async Task A_minute_indexed_twice_is_counted_once()
    {
        await _index.AddAsync([_hour, _hour]);
        await _index.AddAsync([_hour, _hour + 1]);
        Assert.Equal(2, await _index.CountAsync());
        Assert.True(await _index.ContainsAsync(_hour + 1));
        Assert.False(await _index.ContainsAsync(_hour + 2));
    }

    [Fact]
    public async Task The_index_of_an_earlier_version_moves_into_this_one_without_a_minute_in_neither()
    {
        var db = _redis.Multiplexer.GetDatabase();
        await db.SortedSetAddAsync(_keys.LegacyPendingSlots, [new(_hour + 61, _hour + 61), new(_hour, _hour)]);
        await _index.AddAsync([_hour]);

        Assert.Equal(2, await _index.MoveLegacyPageAsync());
        Assert.False(await db.KeyExistsAsync(_keys.LegacyPendingSlots));
        Assert.Equal(new[] { _hour, _hour + 61 }, await _index.ThroughAsync(long.MaxValue, 10));
        Assert.Equal(2, await _index.CountAsync());
        Assert.Equal(0, await _index.MoveLegacyPageAsync());
    }

    [Fact]
    public async Task A_minute_only_in_the_earlier_version_s_index_is_the_earliest_pending_and_moves_over_when_found()
    {
        // The sweep moves the old index a page at a time; an order check before it got there must not print past it.
        var db = _redis.Multiplexer.GetDatabase();
        await db.SortedSetAddAsync(_keys.LegacyPendingSlots, _hour + 5, _hour + 5);
        await _index.AddAsync([_hour + 7]);

        Assert.Equal(_hour + 5, await _index.EarliestAsync(_hour + 10));
        Assert.True(await _index.ContainsAsync(_hour + 5));
        Assert.False(await db.KeyExistsAsync(_keys.LegacyPendingSlots));
        Assert.True(await _index.RemoveAsync(_hour + 5));
        Assert.Equal(_hour + 7, await _index.EarliestAsync(_hour + 10));
        Assert.Null(await _index.EarliestAsync(_hour + 6));
    }
}
