using System.Globalization;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Storage.Clock;

/// <summary>
/// The cluster's one clock: the store's clock as last measured, carried forward by this silo's
/// monotonic clock. Silos on different machines drift apart; "never early" has to hold against one
/// clock, and the store is the one thing every silo shares. Between two measurements the reading
/// moves with monotonic time only, so a wall-clock step (NTP, a resumed VM, a manual <c>date</c>)
/// cannot move it; each measurement checks both how far the wall clock is from the store (the
/// bound) and how far the monotonic reading strayed from it since the last one (its rate).
/// Timestamps and timers come from the local clock unchanged (durations don't depend on offsets).
/// Not registered as <see cref="TimeProvider"/> itself, because Orleans resolves that for its own internals.
/// </summary>
public sealed class ClusterClock : TimeProvider
{
    private readonly TimeProvider _local;
    private readonly TimeSpan _shift;
    private readonly TimeSpan _driftPerSecond;
    private long _driftFrom;
    private readonly TaskCompletionSource<string> _outOfBound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ClockSample? _sample;
    private TimeSpan _rateError;
    private TimeSpan _wallStep;

    public ClusterClock(TimeProvider local, IOptions<EchoOptions> options)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(options);
        _local = local;
        _shift = options.Value.ClockShift;
        _driftPerSecond = options.Value.ClockDrift;
        MaxSkew = options.Value.MaxClockSkew;
        Refresh = options.Value.ClockRefresh;
    }

    /// <summary>
    /// The largest offset to the store's clock this silo still prints with (<see cref="EchoOptions.MaxClockSkew"/>).
    /// </summary>
    public TimeSpan MaxSkew { get; }

    /// <summary>How often the offset is measured again (<see cref="EchoOptions.ClockRefresh"/>).</summary>
    public TimeSpan Refresh { get; }

    /// <summary>
    /// Three refreshes: a store that is down for one or two refreshes keeps the last offset (local
    /// clocks drift by microseconds per second, far below the bound), one down longer does not.
    /// </summary>
    public TimeSpan StaleAfter => Refresh * 3;

    /// <summary>
    /// The local clock as this silo's machine reads it, <see cref="EchoOptions.ClockShift"/> and
    /// <see cref="EchoOptions.ClockDrift"/> included: what offsets are measured against.
    /// </summary>
    public DateTimeOffset LocalNow => _local.GetUtcNow() + _shift + Drifted();

    /// <summary>Store time minus local wall time at the last measurement; zero until the first.</summary>
    public TimeSpan Offset => _sample?.Offset ?? TimeSpan.Zero;

    /// <summary>
    /// At the last measurement: the store's reading minus what this clock read for it, carried by monotonic time
    /// from the measurement before. Within a round trip of zero on a healthy machine; beyond
    /// <see cref="MaxSkew"/> the monotonic clock runs at a rate the reading can't be trusted with.
    /// </summary>
    public TimeSpan RateError => _rateError;

    /// <summary>How far the wall clock stepped against monotonic time between the last two measurements.</summary>
    public TimeSpan WallStep => _wallStep;

    /// <summary>
    /// How far the wall clock moved against monotonic time since the last measurement: zero unless it
    /// stepped (or the machine's clock is being slewed). Reading it costs two clock reads, so the sync
    /// loop checks it every second and measures at once when it exceeds the bound.
    /// </summary>
    public TimeSpan WallDeparture => _sample is { } sample ? LocalNow - (Read(sample) - sample.Offset) : TimeSpan.Zero;

    /// <summary>Round trip of the sample the offset came from: how late, at most, the corrected clock runs.</summary>
    public TimeSpan? RoundTrip => _sample?.RoundTrip;

    /// <summary>Age of the last measurement, by the local monotonic clock; null before the first.</summary>
    public TimeSpan? Age => _sample is { } sample ? _local.GetElapsedTime(sample.MeasuredAt) : null;

    public ClockState State
    {
        get
        {
            var sample = _sample;
            if (sample is null)
            {
                return ClockState.Unmeasured;
            }

            if (_local.GetElapsedTime(sample.MeasuredAt) > StaleAfter)
            {
                return ClockState.Stale;
            }

            return sample.Offset.Duration() > MaxSkew || _rateError.Duration() > MaxSkew ? ClockState.OutOfBound : ClockState.Bounded;
        }
    }

    /// <summary>Offset known, fresh and within <see cref="MaxSkew"/>: only then may this silo print.</summary>
    public bool IsBounded => State == ClockState.Bounded;

    // Drift starts at the first measurement, so a silo always starts bounded however slowly it starts.
    private TimeSpan Drifted()
    {
        if (_driftPerSecond == TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var from = Interlocked.Read(ref _driftFrom);
        return from == 0 ? TimeSpan.Zero : _driftPerSecond * _local.GetElapsedTime(from).TotalSeconds;
    }

    // Monotonic time between two timestamps as this machine's oscillator counts it: ClockDrift plays one
    // that runs fast or slow, which moves the monotonic clock as much as the wall clock.
    private TimeSpan Elapsed(long from, long to)
    {
        var elapsed = _local.GetElapsedTime(from, to);
        return elapsed + (_driftPerSecond * elapsed.TotalSeconds);
    }

    private DateTimeOffset Read(ClockSample sample) => sample.StoreTime + Elapsed(sample.MeasuredAt, _local.GetTimestamp());

    /// <summary>
    /// The store's time as of the last measurement plus monotonic time since; the local wall clock before the first.
    /// </summary>
    public override DateTimeOffset GetUtcNow() => _sample is { } sample ? Read(sample) : LocalNow;

    public override long GetTimestamp() => _local.GetTimestamp();

    public override long TimestampFrequency => _local.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _local.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _local.CreateTimer(callback, state, dueTime, period);

    /// <summary>
    /// Takes a new measurement: the reading starts again from it (each sample is conservative on its own),
    /// and against the one before it tells the rate error and how far the wall clock stepped.
    /// </summary>
    public void Update(ClockSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (_sample is { } previous)
        {
            var carried = previous.StoreTime + Elapsed(previous.MeasuredAt, sample.MeasuredAt);
            _rateError = sample.StoreTime - carried;

            // Offsets differ by the store's advance minus the wall's; the store advanced by monotonic time plus the
            // rate error, so the rest is the wall's own step.
            _wallStep = _rateError - (sample.Offset - previous.Offset);
        }

        _sample = sample;
        Interlocked.CompareExchange(ref _driftFrom, Math.Max(1, _local.GetTimestamp()), 0);
    }

    /// <summary>
    /// Starts <see cref="EchoOptions.ClockDrift"/> again from now: the silo host measures before it starts, and a drift
    /// counted from then would cross the bound before a slow start (a Garnet store, a loaded box) is even ready.
    /// </summary>
    public void RestartDrift() => Interlocked.Exchange(ref _driftFrom, Math.Max(1, _local.GetTimestamp()));

    /// <summary>
    /// Completes, once, when a measurement found the offset beyond <see cref="MaxSkew"/> while the
    /// silo runs: it then prints nothing, and its slots must move to silos that can (the silo host
    /// leaves the cluster on it). A stale clock (the store unreachable) does not count: no silo can print then.
    /// </summary>
    public Task<string> OutOfBound => _outOfBound.Task;

    /// <summary>Records that the offset went beyond the bound; the first report wins.</summary>
    public void ReportOutOfBound(string problem) => _outOfBound.TrySetResult(problem);

    /// <summary>One sentence for health checks and logs: the state, the offset and the bound.</summary>
    public string Describe() => State switch
    {
        ClockState.Unmeasured => Text($"Clock not bounded: the store's clock has not been measured yet (bound ±{Ms(MaxSkew)} ms)"),
        ClockState.Stale => Text(
            $"Clock not bounded: the last measurement of the store's clock is {Age!.Value.TotalSeconds:F1} s old (stale after {StaleAfter.TotalSeconds:F0} s); offset was {Ms(Offset)} ms"),
        ClockState.OutOfBound when Offset.Duration() <= MaxSkew => Text(
            $"Clock not bounded: this machine's monotonic clock strayed {Ms(RateError)} ms from the store's since the last measurement, beyond ±{Ms(MaxSkew)} ms (round trip {Ms(RoundTrip!.Value)} ms)"),
        ClockState.OutOfBound => Text(
            $"Clock not bounded: offset to the store's clock {Ms(Offset)} ms is beyond ±{Ms(MaxSkew)} ms (round trip {Ms(RoundTrip!.Value)} ms)"),
        _ => Text($"Clock bounded: offset to the store's clock {Ms(Offset)} ms within ±{Ms(MaxSkew)} ms (round trip {Ms(RoundTrip!.Value)} ms)"),
    };

    private static string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
