namespace EchoAtTime.Grains.Slots;

/// <summary>One pending wake-up of <see cref="DueClock"/>.</summary>
public sealed class DueTicket(long dueMs, Action wake)
{
    private volatile bool _canceled;
    private volatile bool _fired;

    public long DueMs { get; } = dueMs;

    /// <summary>Neither fired nor canceled yet.</summary>
    public bool Pending => !_canceled && !_fired;

    public void Cancel() => _canceled = true;

    internal void Fire()
    {
        _fired = true;
        if (!_canceled)
        {
            wake();
        }
    }
}
