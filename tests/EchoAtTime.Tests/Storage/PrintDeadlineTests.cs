using EchoAtTime.Grains;
using EchoAtTime.Grains.Slots;
using EchoAtTime.Storage;
using EchoAtTime.Testing;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// A deadline (<c>expireAfter</c>) against the time a batch really reaches the console: the commit
/// that declares the batch is a round trip, and a slow store makes it a long one.
/// </summary>
public sealed class PrintDeadlineTests
{
    [Fact]
    public async Task A_message_whose_deadline_passes_during_the_commit_that_declares_its_batch_is_recorded_expired_and_never_printed()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var proxy = new RedisFaultProxy(redis.Port);
        await proxy.StartAsync();
        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(proxy.ConnectionString);
        var options = new EchoOptions { KeyPrefix = $"t{Guid.NewGuid():N}:" };
        var store = new SlotStore(multiplexer, Options.Create(options));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var slot = TimeSlot.Of(now);
        var offset = (int)(now - TimeSlot.StartMs(slot));
        var appended = await store.AppendAsync(slot, [SlotElement.Encode(offset, "expires within a second", 1_000), SlotElement.Encode(offset, "no deadline")], offset);
        var view = await PrinterViews.LoadAsync(store, slot);
        var sink = new CapturingSink();
        var printer = PrinterViews.Printer(store, sink, options);

        // Both are due and within their deadline when the batch is chosen; every store reply then
        // takes longer than the deadline has left.
        proxy.DelayReplies(TimeSpan.FromMilliseconds(1_500));
        Assert.Equal(PrintOutcome.Done, await printer.PrintDueAsync(slot, view));
        proxy.DelayReplies(TimeSpan.Zero);

        Assert.Equal(new[] { "no deadline" }, sink.Lines.Select(l => l.Message));
        var expiring = new MessageId(TimeSlot.StartMs(slot) + offset, appended.Seqs[0], appended.Epoch);
        Assert.Equal(MessageStatus.Expired, await store.StatusAsync(expiring));
    }
}
