using EchoAtTime.Grains.Output;
using EchoAtTime.Storage;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// The printing side of a slot activation: one turn loads the minute if needed, waits for earlier
/// minutes, prints what is due behind the fence, drains the finished minute and cleans up. Every
/// rule it applies lives in its own type; this is the order they run in.
/// </summary>
public sealed partial class TimeSlotGrain
{
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
                // Too early to load: the sweep wakes the slot once its minute is within the lead.
                return;
            }

            if (!_life.IsLoaded && !await LoadAsync())
            {
                await FinishAsync(pokeNext: false);
                return;
            }

            if (!await PrintDueInOrderAsync())
            {
                return;
            }

            if (_view.PendingCount == 0 && NowMs >= _view.SlotEndMs)
            {
                await DrainAsync();
                return;
            }

            ArmTimer();
        }
        catch (ConsoleStalledException ex)
        {
            // This silo's console is given up and the silo is leaving the cluster: like a fenced
            // activation, this one declares and prints nothing more (a retry would only declare more
            // batches it cannot print). The batch stays declared and unconfirmed, so the activation
            // taking the slot over on another silo prints it again, flagged.
            LogConsoleGivenUp(ex, _slot);
            Stop();
        }
        catch (Exception ex)
        {
            // Redis down or slow, a reminder or grain call failing, the console failing: never give
            // up on a slot. Whatever was in flight, Redis holds the truth: reload it next time (a
            // batch declared but not confirmed then prints again, flagged).
            LogStoreError(ex, _slot);
            _life.Unload();
            _wakeups.Retry();
        }
    }

    /// <summary>
    /// Prints what is due once no earlier slot holds messages; false when this turn must end here (an earlier slot
    /// still prints and is poked, the slot is fenced, or the clock is not bounded: it retries later). Until the order
    /// is cleared, the clock reading the check was skipped by (nothing due) bounds the print too: the printer reads
    /// the clock again, and would otherwise print what fell due since, past an earlier minute never checked.
    /// </summary>
    private async Task<bool> PrintDueInOrderAsync()
    {
        var now = NowMs;
        if (!_order.Cleared && _view.HasDue(now) && !await _order.TryClearAsync())
        {
            _wakeups.Retry();
            return false;
        }

        return await PrintDueAsync(_order.Cleared ? long.MaxValue : now);
    }

    /// <summary>Reads the slot into the view. False when it turns out already finished.</summary>
    private async Task<bool> LoadAsync()
    {
        var snapshot = await store.LoadAsync(_slot);
        if (snapshot.Closed)
        {
            _life.Closed();
            return false;
        }

        var lostCommits = LostCommitWindow.Of(snapshot, NowMs, (long)_options.MaxClockSkew.TotalMilliseconds);
        var (redelivered, lost) = SlotPrinter.Load(_view, snapshot, lostCommits, printMemory.Recall(_slot));
        _life.Loaded();
        LogLoaded(_slot, _view.PendingCount, _view.PrintedCount, redelivered);
        if (lost > 0)
        {
            LogMayHaveLostCommits(_slot, lost);
        }

        return true;
    }

    /// <summary>
    /// Prints what is due for one print turn. False when this activation may not go on: fenced (it
    /// stops), or the clock is not bounded (it retries later; the silo reports not ready meanwhile).
    /// </summary>
    private async Task<bool> PrintDueAsync(long dueThroughMs)
    {
        switch (await _printer.PrintDueAsync(_slot, _view, dueThroughMs))
        {
            case PrintOutcome.Done:
                return true;
            case PrintOutcome.Fenced:
                LogFenced(_slot);
                Stop();
                return false;
            default:
                _wakeups.Retry();
                return false;
        }
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            var (outcome, unseen) = await store.DrainAsync(_slot, _view.Version, _view.LoadedCount, _view.EpochsText);
            switch (outcome)
            {
                case DrainOutcome.Reincarnated:
                    throw new InvalidOperationException($"Slot {_slot}: the store restarted and lost messages this view holds; reloading.");
                case DrainOutcome.Fenced:
                    LogFenced(_slot);
                    Stop();
                    return;
                case DrainOutcome.UnseenMessages:
                    SlotPrinter.Merge(_view, unseen, []);
                    if (!await PrintDueInOrderAsync())
                    {
                        return;
                    }

                    if (_view.PendingCount > 0)
                    {
                        // The print turn ended first: drain once the rest is printed.
                        ArmTimer();
                        return;
                    }

                    continue;
                default:
                    LogDrained(_slot, _view.PrintedCount);
                    _life.Closed();
                    await FinishAsync(pokeNext: true);
                    return;
            }
        }
    }

    /// <summary>
    /// Cleanup of a closed slot: out of the index (safe, the slot refuses appends), next slot poked,
    /// activation released. Retried by <see cref="RunAsync"/> until it completes.
    /// </summary>
    private async Task FinishAsync(bool pokeNext)
    {
        await store.RemoveFromIndexAsync(_slot);
        // The next minute that is near: one further off would only wait for its own time (the sweep wakes it).
        if (pokeNext && await store.EarliestPendingAsync(TimeSlot.Of(NowMs + (long)_options.WakeLead.TotalMilliseconds)) is { } next)
        {
            GrainFactory.GetGrain<ITimeSlotGrain>(next).Wake().Ignore();
        }

        _life.Finished();
        _wakeups.Stop();
        DeactivateOnIdle();
    }

    private async Task FinishQuietlyAsync()
    {
        try
        {
            await FinishAsync(pokeNext: false);
        }
        catch (Exception ex)
        {
            LogStoreError(ex, _slot);
            _wakeups.Retry();
        }
    }

    private void Stop()
    {
        _life.Stopped();
        _wakeups.Stop();
        DeactivateOnIdle();
    }

    private void ArmTimer()
    {
        if (!_life.IsOver)
        {
            _wakeups.At(_view.NextWakeMs, NowMs);
        }
    }
}
