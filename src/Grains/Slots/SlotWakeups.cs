namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Every way a slot activation wakes itself, in one place: the silo's <see cref="DueClock"/> at the
/// due millisecond (precise), an Orleans grain timer trailing it (the fallback if that wake-up is
/// lost), and a retry pace for failures. The durable net that brings a slot back after its silo
/// died or the cluster was down is not here: it is the pending-slots index in Redis, written before
/// every append, which every silo's <see cref="SlotSweeper"/> reads.
/// </summary>
internal sealed class SlotWakeups(IGrainBase grain, ITimeSlotGrain self, DueClock dueClock, Func<Task> run)
{
    // Retry pace while the slot waits for an earlier one, or after a store error. Only failure paths use it.
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    // The Orleans timer trails the due clock's precise wake-up by this much: it only matters if that wake-up is lost.
    private static readonly TimeSpan FallbackDelay = TimeSpan.FromMilliseconds(50);

    private IGrainTimer? _timer;
    private DueTicket? _ticket;
    private bool _stopped;

    /// <summary>
    /// Wakes the slot at <paramref name="wakeAtMs"/>: the due clock to the millisecond, the timer just after.
    /// </summary>
    public void At(long wakeAtMs, long nowMs)
    {
        if (_stopped)
        {
            return;
        }

        if (wakeAtMs <= nowMs)
        {
            Arm(TimeSpan.Zero);
            return;
        }

        if (_ticket is not { Pending: true } ticket || ticket.DueMs != wakeAtMs)
        {
            _ticket?.Cancel();
            _ticket = dueClock.WakeAt(wakeAtMs, () => self.Wake().Ignore());
        }

        Arm(TimeSpan.FromMilliseconds(wakeAtMs - nowMs) + FallbackDelay);
    }

    /// <summary>Tries again after the retry pace, whatever was due.</summary>
    public void Retry()
    {
        if (_stopped)
        {
            return;
        }

        _ticket?.Cancel();
        Arm(RetryDelay);
    }

    /// <summary>No more wake-ups for this activation (finished, fenced or deactivating).</summary>
    public void Stop()
    {
        _stopped = true;
        _ticket?.Cancel();
        _timer?.Dispose();
        _timer = null;
    }

    private void Arm(TimeSpan dueTime)
    {
        if (_timer is null)
        {
            _timer = grain.RegisterGrainTimer(
                static (run, _) => run(),
                run,
                new GrainTimerCreationOptions { DueTime = dueTime, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
        }
        else
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
    }
}
