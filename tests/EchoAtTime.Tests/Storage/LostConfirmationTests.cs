using EchoAtTime.Grains;
using EchoAtTime.Grains.Output;
using EchoAtTime.Grains.Slots;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The store dies between the console and the commit that confirms the batch: the batch stays declared and
/// unconfirmed. Before, the printer reloaded and printed it again, flagged, on the same console (a CI run of
/// <c>FailureTests.RedisDown</c> caught one such repeat by a silo that never crashed).
/// </summary>
public sealed class LostConfirmationTests
{
    [Fact]
    public async Task A_printer_whose_confirmation_died_with_the_store_prints_nothing_twice_after_the_store_returns_and_another_silo_flags_the_batch()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var options = new EchoOptions { KeyPrefix = $"t{Guid.NewGuid():N}:" };
        var store = new SlotStore(multiplexer, Options.Create(options));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var slot = TimeSlot.Of(now);
        var offset = (int)(now - TimeSlot.StartMs(slot));
        await store.AppendAsync(slot, [SlotElement.Encode(offset, "first"), SlotElement.Encode(offset, "second")], offset);
        var console = new CapturingSink();
        var printer = PrinterViews.Printer(store, new StoreDiesAfterTheConsole(console, redis.KillAsync), options);
        var view = await PrinterViews.LoadAsync(store, slot);

        await Assert.ThrowsAnyAsync<RedisException>(() => printer.PrintDueAsync(slot, view));
        await redis.StartAsync();
        await using var reconnected = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var restarted = new SlotStore(reconnected, Options.Create(options));

        // As the grain does after a store error: reload the same view, and print again.
        var snapshot = await restarted.LoadAsync(slot);
        Assert.Equal(0, PrinterViews.Load(view, snapshot));
        var again = PrinterViews.Printer(restarted, console, options);
        Assert.Equal(PrintOutcome.Done, await again.PrintDueAsync(slot, view));
        Assert.Equal(new[] { "first", "second" }, console.Lines.Select(l => l.Message));

        // The confirming commit never ran, so a view without this silo's memory (another silo's) flags the batch.
        var elsewhere = new SlotView(TimeSlot.StartMs(slot));
        Assert.Equal(2, PrinterViews.Load(elsewhere, snapshot));
    }

    private sealed class StoreDiesAfterTheConsole(IEchoSink console, Func<Task> kill) : IEchoSink
    {
        public async ValueTask WriteAsync(IReadOnlyList<EchoLine> batch)
        {
            await console.WriteAsync(batch);
            await kill();
        }
    }
}
