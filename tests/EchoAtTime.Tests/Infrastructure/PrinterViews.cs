using EchoAtTime.Grains;
using EchoAtTime.Grains.Output;
using EchoAtTime.Grains.Slots;
using EchoAtTime.Storage;
using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// What a printer holds, for tests that drive its parts without a grain: its view of a minute and its metrics.
/// </summary>
public static class PrinterViews
{
    /// <summary>
    /// What a printer does with a snapshot (TimeSlotGrain.LoadAsync) at <paramref name="nowMs"/>: loads it into
    /// <paramref name="view"/>, epochs included; without <paramref name="nowMs"/>, as if no commit could have been
    /// lost. Returns how many messages it flagged redelivered.
    /// </summary>
    internal static int Load(SlotView view, SlotSnapshot snapshot, long nowMs = long.MinValue)
    {
        var window = nowMs == long.MinValue ? default : LostCommitWindow.Of(snapshot, nowMs, 50);
        return SlotPrinter.Load(view, snapshot, window).Flagged;
    }

    /// <summary>The minute's view as a printer that loaded it just now holds it.</summary>
    internal static async Task<SlotView> LoadAsync(SlotStore store, long slot)
    {
        var view = new SlotView(TimeSlot.StartMs(slot));
        Load(view, await store.LoadAsync(slot));
        return view;
    }

    /// <summary>A printer on <paramref name="store"/> printing to <paramref name="sink"/>, on a bounded clock.</summary>
    internal static SlotPrinter Printer(SlotStore store, IEchoSink sink, EchoOptions options) =>
        new(store, sink, Metrics(), BoundedClock(options), options, new SlotPrinterLog(NullLogger.Instance));

    /// <summary>The machine's clock, measured against itself: bounded, offset zero.</summary>
    public static ClusterClock BoundedClock(EchoOptions options)
    {
        var clock = new ClusterClock(TimeProvider.System, Options.Create(options));
        clock.Update(new ClockSample(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeProvider.System.GetTimestamp(), DateTimeOffset.UtcNow));
        return clock;
    }

    /// <summary>The service's instruments, on a meter of their own.</summary>
    public static EchoMetrics Metrics() =>
        new ServiceCollection().AddMetrics().AddSingleton<EchoMetrics>().BuildServiceProvider().GetRequiredService<EchoMetrics>();
}
