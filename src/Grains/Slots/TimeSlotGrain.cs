using EchoAtTime.Grains.Clock;
using EchoAtTime.Grains.Output;
using EchoAtTime.Storage;
using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Prints one minute of due time. Writers anywhere append to the slot's Redis list (the list index
/// is the acceptance sequence); near its minute the grain loads the list into a <see cref="SlotView"/>
/// and prints through the fenced <see cref="SlotPrinter"/>, woken by <see cref="SlotWakeups"/> at
/// the next due message, and only once <see cref="SlotOrder"/> says no earlier minute holds
/// messages. What writers append after the load it learns from its commits, from their notices
/// (<see cref="CheckAppended"/>) and from the sweep.
/// Its phase is one <see cref="SlotLifecycle"/>.
/// </summary>
// Placed where it is first called: by a writer's notice (on the silo that took the request), a
// sweep or a neighbour's poke, all of which run on every silo, so minutes spread over the silos as
// the load balancer spreads requests, and the first notice needs no hop. Resource-optimized
// placement, the default, weighs CPU and memory samples that barely move for one printer; local
// placement also lets a test say which silo prints a minute (TwoSilosAndGatewayTests).
[PreferLocalPlacement]
public sealed partial class TimeSlotGrain(
    SlotStore store,
    IEchoSink sink,
    ClusterClock clock,
    DueClock dueClock,
    SlotPrintMemory printMemory,
    EchoMetrics metrics,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    IOptions<EchoOptions> options,
    ILogger<TimeSlotGrain> logger) : Grain, ITimeSlotGrain
{
    private readonly EchoOptions _options = options.Value;
    private readonly SlotLifecycle _life = new();
    private readonly SlotPrinter _printer = new(store, sink, metrics, clock, options.Value, new SlotPrinterLog(logger));
    private long _slot;
    private SlotView _view = null!;
    private SlotOrder _order = null!;
    private SlotWakeups _wakeups = null!;

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private bool IsNear(long nowMs) => nowMs >= _view.SlotStartMs - (long)_options.WakeLead.TotalMilliseconds;

    // The last silo leaving has nobody to hand over to: the next silo's sweep finds the slot.
    private bool AnotherSiloIsActive() =>
        membership.CurrentSnapshot.Members.Values.Any(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(localSilo.SiloAddress));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _slot = this.GetPrimaryKeyLong();
        _view = new SlotView(TimeSlot.StartMs(_slot));
        _order = new SlotOrder(_slot, store, GrainFactory, logger);
        _wakeups = new SlotWakeups(this, this.AsReference<ITimeSlotGrain>(), dueClock, RunAsync);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _wakeups.Stop();
        if (_view.PrintedHere() is { } printed)
        {
            printMemory.Keep(_slot, printed);
        }

        if (!_life.IsOver && IsNear(NowMs) && AnotherSiloIsActive())
        {
            // Leaving while the slot still has work (its silo shutting down, say): every batch so
            // far is confirmed, so a new activation elsewhere takes over cleanly. Poke it now rather
            // than waiting for the next sweep; the poke reaches the new activation once this one is gone.
            LogHandingOver(_slot, reason.ReasonCode);
            this.AsReference<ITimeSlotGrain>().Wake().Ignore();
        }

        return Task.CompletedTask;
    }

    public async Task CheckAppended(long earliestDueMs)
    {
        if (_life.IsLoaded && earliestDueMs >= _view.NextWakeMs)
        {
            // This activation looks again before they are due, and that commit brings them.
            return;
        }

        if (_life.IsLoaded)
        {
            try
            {
                SlotPrinter.Merge(_view, await store.TailAsync(_slot, _view.LoadedCount), []);
            }
            catch (Exception ex)
            {
                LogStoreError(ex, _slot);
                _life.Unload();
                _wakeups.Retry();
                return;
            }
        }

        await RunAsync();
    }

    public Task Wake() => RunAsync();
}
