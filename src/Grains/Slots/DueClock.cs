using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.Logging;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Wakes slot grains at their next due millisecond. Orleans timers run on the runtime's coarse
/// timer tick and fire up to a few ms early or late; this one thread per silo waits on a condition
/// variable (a high-resolution kernel timer) instead, so printing starts within about a millisecond
/// of the due time even on an idle silo. The grain's own Orleans timer stays armed as the fallback.
/// The clock's own timer pulses that wait at the due time as well: a clock that is not the
/// machine's (a test's fake time) then wakes the thread when it reaches the due time, not when the
/// machine's does, so the wake-up path can be proven without waiting for real time.
/// </summary>
public sealed partial class DueClock : IDisposable
{
    private readonly object _gate = new();
    private readonly PriorityQueue<DueTicket, long> _due = new();
    private readonly TimeProvider _clock;
    private readonly ILogger<DueClock> _logger;
    private readonly ITimer _pulse;
    private bool _disposed;

    /// <param name="clock">
    /// What due times are compared with. The silo passes its <see cref="Clock.ClusterClock"/> (see
    /// <see cref="EchoGrainsServiceCollectionExtensions.AddEchoGrains"/>): waking by the store's clock,
    /// not the machine's, is what keeps a skewed silo from waking a slot early.
    /// </param>
    /// <param name="logger">Where failed wake-ups are reported.</param>
    public DueClock(TimeProvider clock, ILogger<DueClock> logger)
    {
        _clock = clock;
        _logger = logger;
        _pulse = clock.CreateTimer(static state => ((DueClock)state!).Pulse(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        new Thread(Run) { IsBackground = true, Name = "echo-due-clock" }.Start();
    }

    /// <summary>
    /// Calls <paramref name="wake"/> (on this clock's thread: keep it short) at <paramref name="dueMs"/> unless the
    /// ticket is canceled first.
    /// </summary>
    public DueTicket WakeAt(long dueMs, Action wake)
    {
        var ticket = new DueTicket(dueMs, wake);
        lock (_gate)
        {
            _due.Enqueue(ticket, dueMs);
            if (ReferenceEquals(_due.Peek(), ticket))
            {
                Monitor.Pulse(_gate);
            }
        }

        return ticket;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.Pulse(_gate);
        }

        _pulse.Dispose();
    }

    private void Pulse()
    {
        lock (_gate)
        {
            Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        while (true)
        {
            DueTicket? due = null;
            lock (_gate)
            {
                while (due is null)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    if (!_due.TryPeek(out _, out var dueMs))
                    {
                        Monitor.Wait(_gate);
                        continue;
                    }

                    var waitMs = dueMs - _clock.GetUtcNow().ToUnixTimeMilliseconds();
                    if (waitMs > 0)
                    {
                        // Armed under the lock, so its pulse cannot come before this thread waits.
                        _pulse.Change(TimeSpan.FromMilliseconds(waitMs), Timeout.InfiniteTimeSpan);
                        Monitor.Wait(_gate, TimeSpan.FromMilliseconds(waitMs));
                        continue;
                    }

                    due = _due.Dequeue();
                }
            }

            try
            {
                due.Fire();
            }
            catch (Exception ex)
            {
                // E.g. the silo is stopping and the call can't be sent. The grain's own timer and the
                // sweeper cover this wake-up; the clock must live on for every other slot.
                LogWakeFailed(ex, due.DueMs);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Due clock: waking a slot due at {DueMs} failed; its own timer takes over")]
    private partial void LogWakeFailed(Exception exception, long dueMs);
}
