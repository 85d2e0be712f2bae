namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Every way a slot activation gets woken, in one place: the silo's <see cref="DueClock"/> at the
/// due millisecond (precise), an Orleans grain timer trailing it (the fallback if that wake-up is
/// lost), a retry pace for failures, and the Orleans reminder — the durable net that brings the
/// slot back after its silo died or the cluster was down.
/// </summary>
internal sealed class SlotWakeups(IGrainBase grain, ITimeSlotGrain self, DueClock dueClock, Func<Task> run)
{
    private const string ReminderName = "wake";

    // Retry pace while the slot waits for an earlier one, or after a store error. Only failure paths use it.
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    // The Orleans timer trails the due clock's precise wake-up by this much: it only matters if that wake-up is lost.
    private static readonly TimeSpan FallbackDelay = TimeSpan.FromMilliseconds(50);

    private IGrainTimer? _timer;
    private DueTicket? _ticket;
    private bool _reminderRegistered;
    private bool _stopped;

    /// <summary>Registers the durable wake-up unless this activation knows it is there.</summary>
    public async Task EnsureReminderAsync(long slotStartMs, TimeSpan wakeLead, long nowMs)
    {
        if (_reminderRegistered)
        {
            return;
        }

        // Never a zero due time: Orleans skips the first tick then. The reminder is the durable
        // retry net; the timer, not the reminder, is what makes printing punctual.
        var due = TimeSpan.FromMilliseconds(Math.Max(1_000, slotStartMs - (long)wakeLead.TotalMilliseconds - nowMs));
        await grain.RegisterOrUpdateReminder(ReminderName, due, TimeSpan.FromMinutes(1));
        _reminderRegistered = true;
    }

    /// <summary>A tick arrived, so the reminder exists.</summary>
    public void ReminderTicked() => _reminderRegistered = true;

    public async Task UnregisterReminderAsync()
    {
        if (await grain.GetReminder(ReminderName) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }
    }

    /// <summary>Wakes the slot at <paramref name="wakeAtMs"/>: the due clock to the millisecond, the timer just after.</summary>
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

    /// <summary>No more wake-ups for this activation (finished, fenced or deactivating); the reminder stays.</summary>
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
