using EchoAtTime.Grains;
using EchoAtTime.Grains.Clock;
using EchoAtTime.Grains.Slots;
using EchoAtTime.Storage;
using EchoAtTime.Storage.Clock;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// A print turn whose order check was skipped because nothing was due by its clock reading: the printer reads the
/// clock again, and what fell due in between must wait for the check (an earlier minute may still hold messages).
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class PrintOrderBoundTests(RedisFixture redis)
{
    [Fact]
    public async Task A_printer_prints_nothing_that_fell_due_after_the_clock_reading_the_order_check_was_skipped_by()
    {
        var options = new EchoOptions { KeyPrefix = $"t{Guid.NewGuid():N}:" };
        var store = new SlotStore(redis.Multiplexer, Options.Create(options));
        var slot = TimeSlot.Of(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) + 2;
        await store.AppendAsync(slot, [SlotElement.Encode(0, "first of its minute")], 0);
        var view = await PrinterViews.LoadAsync(store, slot);
        var sink = new CapturingSink();
        var metrics = PrinterViews.Metrics();

        // The check read the clock a millisecond before the minute began; the printer reads it once the minute's
        // first message is due (a thread preempted between the two reads, on a loaded machine).
        var machine = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeSlot.StartMs(slot) - 1));
        var clock = new ClusterClock(machine, Options.Create(options));
        clock.Update(new ClockSample(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), machine.GetTimestamp(), machine.GetUtcNow()));
        var checkedAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.False(view.HasDue(checkedAt));
        machine.Advance(TimeSpan.FromMilliseconds(2));
        var printer = new SlotPrinter(store, sink, metrics, clock, options, new SlotPrinterLog(NullLogger.Instance));

        Assert.Equal(PrintOutcome.Done, await printer.PrintDueAsync(slot, view, dueThroughMs: checkedAt));
        Assert.Empty(sink.Lines);

        // Once the order is cleared the same message prints.
        Assert.Equal(PrintOutcome.Done, await printer.PrintDueAsync(slot, view));
        Assert.Equal(["first of its minute"], sink.Lines.Select(l => l.Message));
    }
}
