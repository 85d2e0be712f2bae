using EchoAtTime.Grains.Clock;
using EchoAtTime.Storage;
using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// The durable wake-up of every slot. When the silo becomes active, and then every
/// <see cref="EchoOptions.SweepInterval"/>, it pokes the earliest pending slots that are due (or
/// within the wake lead) from the pending-slots index, which every append writes first: so a minute
/// is loaded before it is due, after a whole-cluster outage too, a slot whose silo died comes back
/// on the next poke after the death is detected, and a printer whose writer's notice was lost
/// reads the message within one interval.
/// A few cheap reads per interval per silo; nothing here is on the printing path.
/// </summary>
public sealed partial class SlotSweeper(
    SlotStore store,
    IGrainFactory grains,
    EchoMetrics metrics,
    ClusterClock clock,
    IOptions<EchoOptions> options,
    ILogger<SlotSweeper> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private const int SlotsPerSweep = 2;

    // The pending gauges are refreshed every this many sweeps, over at most this many slots.
    private const int GaugeEverySweeps = 10;
    private const int GaugeMaxSlots = 1_000;

    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SlotSweeper), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    /// <summary>Pokes the earliest pending slots whose minute has come (or is within the wake lead).</summary>
    public async Task<long[]> SweepOnceAsync()
    {
        var lead = (long)options.Value.WakeLead.TotalMilliseconds;
        var through = TimeSlot.Of(clock.GetUtcNow().ToUnixTimeMilliseconds() + lead);

        // A store written by a version with the one-ZSET index: its minutes join today's, a page a sweep.
        if (await store.MoveLegacyIndexPageAsync().ConfigureAwait(false) is > 0 and var moved)
        {
            LogMovedLegacyIndex(moved);
        }

        var slots = await store.PendingSlotsThroughAsync(through, SlotsPerSweep).ConfigureAwait(false);
        foreach (var slot in slots)
        {
            // Also the net under writers' notices: a loaded printer reads what it has not seen.
            grains.GetGrain<ITimeSlotGrain>(slot).CheckAppended(long.MinValue).Ignore();
        }

        return slots;
    }

    public void Dispose() => _stopping.Dispose();

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        var sweeps = 0;
        try
        {
            do
            {
                try
                {
                    if (sweeps++ % GaugeEverySweeps == 0)
                    {
                        var (messages, slots) = await store.PendingAsync(GaugeMaxSlots).ConfigureAwait(false);
                        metrics.Pending(messages, slots);
                    }

                    var poked = await SweepOnceAsync().ConfigureAwait(false);
                    if (poked.Length > 0)
                    {
                        LogPoked(poked[0], poked.Length);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSweepFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "Sweep poked {Count} slot(s) from {First}")]
    private partial void LogPoked(long first, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Count} slot(s) from the index of an earlier version")]
    private partial void LogMovedLegacyIndex(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep failed; retrying at the next interval")]
    private partial void LogSweepFailed(Exception exception);
}
