namespace EchoAtTime.Simulate.World;

/// <summary>
/// One simulated machine's clocks: a monotonic clock that runs at its own rate against the store's
/// (slow drift only: the product assumes the rate error times the refresh stays below the bound, so a
/// fast one would find what is promised not to hold), and a wall clock that can also step. Moves only
/// when the world advances: the schedule decides what time it is.
/// </summary>
internal sealed class SimClock(long startMs) : TimeProvider
{
    // startMs: the store's time when this process started; its monotonic clock counts from there.
    private double _monotonicMs;

    /// <summary>How much slower than the store's this machine's oscillator runs, in parts per million.</summary>
    public int SlowPpm { get; set; }

    /// <summary>The wall clock's steps so far (NTP, a resumed VM), on top of monotonic time.</summary>
    public long StepMs { get; set; }

    public void Advance(long storeMs) => _monotonicMs += storeMs * (1 - (SlowPpm / 1_000_000.0));

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(startMs + StepMs) + TimeSpan.FromMilliseconds(_monotonicMs);

    public override long GetTimestamp() => (long)(_monotonicMs * TimeSpan.TicksPerMillisecond);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
}
