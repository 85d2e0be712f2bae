using EchoAtTime.Grains;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// An append is all or nothing, however many messages it carries: a refusal that stored part of
/// them would make the caller retry the whole append and store that part twice, unflagged.
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class AppendAtomicityTests(RedisFixture redis)
{
    private static readonly string Prefix = $"t{Guid.NewGuid():N}:";
    private readonly RedisKeys _keys = new(Prefix);
    private readonly long _slot = Random.Shared.NextInt64(3_000_000, 4_000_000);

    private static SlotStore Store(IConnectionMultiplexer multiplexer) =>
        new(multiplexer, Options.Create(new EchoOptions { KeyPrefix = Prefix, AppendGrace = EarlierRun.AnyMinute }));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_append_of_thousands_refused_at_the_floor_halfway_stores_none_of_them_or_all(bool keyed)
    {
        await using var proxy = new RedisFaultProxy(redis.Server.Port);
        await proxy.StartAsync();
        await using var proxied = await ConnectionMultiplexer.ConnectAsync(proxy.ConnectionString);
        var store = Store(proxied);
        var db = redis.Multiplexer.GetDatabase();
        var messages = _keys.Messages(_slot).ToString();

        // Hold the appender's traffic right after its first script on the minute's list; meanwhile
        // another activation declares a batch past the appender's smallest due offset.
        var holding = proxy.HoldAfterNext(c => c.IsScriptOn(messages));
        var elements = Enumerable.Range(0, 2_500).Select(i => SlotElement.Encode(100, $"m{i}")).ToArray();
        var append = keyed
            ? store.AppendKeyedAsync(_slot, elements.Select((e, i) => (e, TimeSlot.StartMs(_slot) + 100, $"n{i}", true)).ToArray())
            : store.AppendAsync(_slot, elements, 100);
        var hold = await holding.WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            var length = (int)await db.ListLengthAsync(_keys.Messages(_slot));
            Assert.NotNull(await Store(redis.Multiplexer).CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(150, 0), length));
        }
        finally
        {
            hold.Release();
        }

        var result = await append.WaitAsync(TimeSpan.FromSeconds(10));

        var stored = await db.ListLengthAsync(_keys.Messages(_slot));
        Assert.Equal(result.IsClosed || result.FloorOffsetMs is not null ? 0 : elements.Length, stored);
    }
}
