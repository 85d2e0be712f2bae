using Microsoft.Extensions.Time.Testing;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// A machine's clocks as the tests drive them: real time is <see cref="Real"/>'s; the wall clock can
/// step (<see cref="Step"/>: an NTP step, a resumed VM, a manual <c>date</c>) while the monotonic clock
/// does not, and the monotonic clock can run at another rate (<see cref="MonotonicRate"/>: a bad oscillator).
/// </summary>
public sealed class SteppingTimeProvider(FakeTimeProvider real) : TimeProvider
{
    private readonly long _origin = real.GetTimestamp();

    public FakeTimeProvider Real { get; } = real;

    /// <summary>Added to the wall clock only.</summary>
    public TimeSpan Step { get; set; }

    /// <summary>Monotonic seconds per real second.</summary>
    public double MonotonicRate { get; set; } = 1.0;

    public override DateTimeOffset GetUtcNow() => Real.GetUtcNow() + Step;

    public override long GetTimestamp() => _origin + (long)((Real.GetTimestamp() - _origin) * MonotonicRate);

    public override long TimestampFrequency => Real.TimestampFrequency;

    /// <summary>Released once per timer created: a test waits for a loop to be waiting before it moves time.</summary>
    public SemaphoreSlim TimersCreated { get; } = new(0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Real.CreateTimer(callback, state, dueTime, period);
        TimersCreated.Release();
        return timer;
    }
}
