using EchoAtTime.Grains.Output;
using EchoAtTime.Grains.Slots;
using EchoAtTime.Simulate.Gate;
using EchoAtTime.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// One activation of a minute's printer on a simulated silo: the real <see cref="SlotView"/>,
/// <see cref="SlotLifecycle"/>, <see cref="SlotOrder"/>, <see cref="SlotPrinter"/> and
/// <see cref="LostCommitWindow"/>, run in the order TimeSlotGrain (and its .Printing part) runs them:
/// load, order, print turn, drain, finish; any store error unloads. Orleans' part — timers, placement,
/// deactivation — is the world's: a call to the grain is a mailbox message a step delivers, and calls
/// are taken one at a time, as a non-reentrant grain takes them.
/// </summary>
internal sealed class SimActivation
{
    private readonly SimWorld _world;
    private readonly SimSilo _silo;
    private readonly SlotLifecycle _life = new();
    private readonly SlotView _view;
    private readonly SlotOrder _order;
    private readonly SlotPrinter _printer;
    private readonly Queue<long?> _calls = new();
    private bool _busy;
    private bool _deactivated;

    public SimActivation(SimWorld world, SimSilo silo, long minute, int number)
    {
        (_world, _silo, Minute) = (world, silo, minute);
        Operation = $"p{minute % 1000}.{number}";
        Name = $"{silo.Name}/{Operation}";
        _view = new SlotView(TimeSlot.StartMs(minute));
        _order = new SlotOrder(minute, silo.Store, silo.Grains, NullLogger.Instance);
        _printer = new SlotPrinter(silo.Store, silo.Sink, silo.Metrics, silo.Clock, world.Options, new SlotPrinterLog(NullLogger.Instance));
    }

    public long Minute { get; }

    public string Name { get; }

    /// <summary>Its lane at the gate, under its silo's name.</summary>
    public string Operation { get; }

    public SimSilo Silo => _silo;

    /// <summary>Fenced, finished, or its silo died: Orleans would have let it go.</summary>
    public bool IsOver => _life.IsOver || !_silo.IsAlive;

    private long NowMs => _silo.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Leaves what this activation knew printed with its silo, once, as the grain's deactivation does.
    /// </summary>
    public void Deactivate()
    {
        if (!_deactivated && _view.PrintedHere() is { } printed)
        {
            _silo.PrintMemory.Keep(Minute, printed);
        }

        _deactivated = true;
    }

    /// <summary>A call to this activation: a wake (<c>null</c>) or CheckAppended. Queued while a turn runs.</summary>
    public void Call(long? checkAppendedDueMs)
    {
        _calls.Enqueue(checkAppendedDueMs);
        if (!_busy)
        {
            _ = SimContext.Start(Operation, NextAsync);
        }
    }

    private async Task NextAsync()
    {
        _busy = true;
        while (_calls.TryDequeue(out var call) && _silo.IsAlive)
        {
            await (call is { } due ? CheckAppendedAsync(due) : RunAsync());
        }

        _busy = false;
    }

    private bool IsNear(long nowMs) => nowMs >= _view.SlotStartMs - (long)_world.Options.WakeLead.TotalMilliseconds;

    private async Task CheckAppendedAsync(long earliestDueMs)
    {
        if (_life.IsLoaded && earliestDueMs >= _view.NextWakeMs)
        {
            return;
        }

        if (_life.IsLoaded)
        {
            try
            {
                SlotPrinter.Merge(_view, await _silo.Store.TailAsync(Minute, _view.LoadedCount), []);
            }
            catch (Exception)
            {
                _life.Unload();
                return;
            }
        }

        await RunAsync();
    }

    private async Task RunAsync()
    {
        if (_life.IsOver)
        {
            return;
        }

        try
        {
            if (_life.Phase == SlotPhase.Closed)
            {
                await FinishAsync(pokeNext: true);
                return;
            }

            if (!IsNear(NowMs))
            {
                return;
            }

            if (!_life.IsLoaded && !await LoadAsync())
            {
                await FinishAsync(pokeNext: false);
                return;
            }

            if (!await EnsureOrderClearedAsync() || !await PrintDueAsync())
            {
                return;
            }

            if (_view.PendingCount == 0 && NowMs >= _view.SlotEndMs)
            {
                await DrainAsync();
            }
        }
        catch (ConsoleStalledException)
        {
            _life.Stopped();
        }
        catch (Exception)
        {
            // As the grain: never give up on a slot; the store holds the truth, reload next time.
            _life.Unload();
        }
    }

    private async Task<bool> EnsureOrderClearedAsync() => _order.Cleared || !_view.HasDue(NowMs) || await _order.TryClearAsync();

    private async Task<bool> LoadAsync()
    {
        var snapshot = await _silo.Store.LoadAsync(Minute);
        if (snapshot.Closed)
        {
            _life.Closed();
            return false;
        }

        // The store's incarnation runs on the world's clock, not the real process's: how long ago it restarted in the
        // schedule.
        snapshot = snapshot with { RestartedAgoMs = snapshot.RestartedAgoMs is null ? null : _world.RestartedAgoMs };
        SlotPrinter.Load(_view, snapshot, LostCommitWindow.Of(snapshot, NowMs, (long)_world.Options.MaxClockSkew.TotalMilliseconds), _silo.PrintMemory.Recall(Minute));
        _life.Loaded();
        return true;
    }

    private async Task<bool> PrintDueAsync()
    {
        switch (await _printer.PrintDueAsync(Minute, _view))
        {
            case PrintOutcome.Done:
                return true;
            case PrintOutcome.Fenced:
                _life.Stopped();
                return false;
            default:
                return false;
        }
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            var (outcome, unseen) = await _silo.Store.DrainAsync(Minute, _view.Version, _view.LoadedCount, _view.EpochsText);
            switch (outcome)
            {
                case DrainOutcome.Reincarnated:
                    throw new InvalidOperationException($"Slot {Minute}: the store restarted; reloading.");
                case DrainOutcome.Fenced:
                    _life.Stopped();
                    return;
                case DrainOutcome.UnseenMessages:
                    SlotPrinter.Merge(_view, unseen, []);
                    if (!await EnsureOrderClearedAsync() || !await PrintDueAsync() || _view.PendingCount > 0)
                    {
                        return;
                    }

                    continue;
                default:
                    _life.Closed();
                    await FinishAsync(pokeNext: true);
                    return;
            }
        }
    }

    private async Task FinishAsync(bool pokeNext)
    {
        await _silo.Store.RemoveFromIndexAsync(Minute);
        if (pokeNext && await _silo.Store.EarliestPendingAsync(TimeSlot.Of(NowMs + (long)_world.Options.WakeLead.TotalMilliseconds)) is { } next)
        {
            _silo.Grains.GetGrain<ITimeSlotGrain>(next).Wake().Ignore();
        }

        _life.Finished();
    }
}
