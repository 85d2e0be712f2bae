using EchoAtTime.Grains;
using EchoAtTime.Grains.Clock;
using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// The cluster clock and its probe on a fake local clock and a fake store clock: real time is the
/// fake's, the store's clock is real time plus a skew, the silo's local clock is real time plus
/// <see cref="EchoOptions.ClockShift"/>. Each fake TIME call takes a chosen round trip and reads the
/// store's clock at a chosen point inside it.
/// </summary>
public sealed class ClusterClockTests
{
    private readonly FakeTimeProvider _real = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));

    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private ClusterClock Clock(TimeSpan shift = default, TimeSpan? maxSkew = null, TimeSpan drift = default) => new(_real, Options.Create(new EchoOptions
    {
        ClockShift = shift,
        ClockDrift = drift,
        MaxClockSkew = maxSkew ?? TimeSpan.FromMilliseconds(50),
        ClockRefresh = TimeSpan.FromSeconds(30),
    }));

    /// <summary>
    /// A TIME source answering one sample per entry: the round trip, and where in it (0 = at send, 1 = at receive) the
    /// store reads its clock.
    /// </summary>
    private StoreClockProbe Probe(TimeSpan storeSkew, params (double RoundTripMs, double ReadAt)[] samples)
    {
        var next = 0;
        return new StoreClockProbe(_ =>
        {
            var (roundTripMs, readAt) = samples[next++];
            _real.Advance(TimeSpan.FromMilliseconds(roundTripMs * readAt));
            var storeTime = _real.GetUtcNow() + storeSkew;
            _real.Advance(TimeSpan.FromMilliseconds(roundTripMs * (1 - readAt)));
            return Task.FromResult(storeTime);
        }, samples.Length);
    }

    private DateTimeOffset StoreNow(TimeSpan storeSkew) => _real.GetUtcNow() + storeSkew;

    [Fact]
    public async Task The_sample_with_the_lowest_round_trip_wins_and_its_offset_is_the_lower_bound()
    {
        var clock = Clock();
        var sample = await Probe(TimeSpan.Zero, (10, 0.5), (2, 0.5), (7, 0.5), (30, 0.5), (5, 0.5)).MeasureAsync(clock, default);

        Assert.Equal(2 * Ms, sample.RoundTrip);
        // The store read its clock 1 ms before the answer arrived: s − t1 = −1 ms.
        Assert.Equal(-1 * Ms, sample.Offset);
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.5, 0)]
    [InlineData(1.0, 0)]
    [InlineData(0.0, 37)]
    [InlineData(1.0, -37)]
    [InlineData(0.3, 120)]
    public async Task The_corrected_time_is_never_ahead_of_the_store_clock_wherever_in_the_round_trip_it_was_read(double readAt, int storeSkewMs)
    {
        var storeSkew = storeSkewMs * Ms;
        var clock = Clock(maxSkew: TimeSpan.FromSeconds(1));
        clock.Update(await Probe(storeSkew, (4, readAt), (9, 1 - readAt), (6, readAt)).MeasureAsync(clock, default));

        for (var i = 0; i < 5; i++)
        {
            var corrected = clock.GetUtcNow();
            var store = StoreNow(storeSkew);
            Assert.True(corrected <= store, $"corrected time {(corrected - store).TotalMilliseconds} ms ahead of the store's");
            // …and late by at most the winning sample's round trip.
            Assert.True(store - corrected <= clock.RoundTrip, $"corrected time {(store - corrected).TotalMilliseconds} ms behind");
            _real.Advance(TimeSpan.FromSeconds(7));
        }
    }

    [Theory]
    [InlineData(200)]
    [InlineData(-200)]
    [InlineData(35)]
    [InlineData(-35)]
    public async Task A_local_clock_shifted_ahead_or_behind_is_measured_and_corrected(int shiftMs)
    {
        var clock = Clock(shift: shiftMs * Ms, maxSkew: TimeSpan.FromSeconds(1));
        clock.Update(await Probe(TimeSpan.Zero, (2, 0.5), (2, 0.5), (2, 0.5)).MeasureAsync(clock, default));

        Assert.Equal(-shiftMs * Ms - Ms, clock.Offset); // −shift, minus half the 2 ms round trip
        Assert.Equal(_real.GetUtcNow() + shiftMs * Ms, clock.LocalNow);
        Assert.InRange(StoreNow(TimeSpan.Zero) - clock.GetUtcNow(), TimeSpan.Zero, 2 * Ms);
        Assert.True(clock.IsBounded);
    }

    [Theory]
    [InlineData(49, true)]
    [InlineData(-49, true)]
    [InlineData(52, false)]
    [InlineData(-52, false)]
    public async Task An_offset_beyond_MaxClockSkew_is_not_bounded(int shiftMs, bool bounded)
    {
        var clock = Clock(shift: shiftMs * Ms);
        clock.Update(await Probe(TimeSpan.Zero, (0, 0.5)).MeasureAsync(clock, default));

        Assert.Equal(bounded, clock.IsBounded);
        Assert.Equal(bounded ? ClockState.Bounded : ClockState.OutOfBound, clock.State);
        // Corrected either way: not printing is the guard, not a wrong reading.
        Assert.Equal(StoreNow(TimeSpan.Zero), clock.GetUtcNow());
        Assert.Contains("±50 ms", clock.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_offset_is_bounded_until_three_refreshes_old_then_stale_and_fresh_again_after_a_new_measurement()
    {
        var clock = Clock(shift: 10 * Ms);
        Assert.Equal(ClockState.Unmeasured, clock.State);
        Assert.False(clock.IsBounded);

        clock.Update(await Probe(TimeSpan.Zero, (1, 0.5)).MeasureAsync(clock, default));
        _real.Advance(TimeSpan.FromSeconds(90));
        Assert.True(clock.IsBounded);

        _real.Advance(Ms);
        Assert.Equal(ClockState.Stale, clock.State);
        Assert.Contains("stale after 90 s", clock.Describe(), StringComparison.Ordinal);
        // The last offset is still applied while stale.
        Assert.Equal(-10.5 * Ms, clock.Offset);

        clock.Update(await Probe(TimeSpan.Zero, (1, 0.5)).MeasureAsync(clock, default));
        Assert.True(clock.IsBounded);
    }

    [Fact]
    public async Task Timers_and_timestamps_stay_on_the_local_clock()
    {
        var clock = Clock(shift: 30 * Ms);
        clock.Update(await Probe(TimeSpan.Zero, (0, 0.5)).MeasureAsync(clock, default));
        var start = clock.GetTimestamp();
        var delay = Task.Delay(TimeSpan.FromSeconds(5), clock);

        _real.Advance(TimeSpan.FromSeconds(5));

        await delay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(5), clock.GetElapsedTime(start));
    }

    [Fact]
    public async Task A_drifting_local_clock_moves_away_from_the_store_and_a_new_measurement_finds_it_out_of_bound()
    {
        var clock = Clock(drift: -20 * Ms);
        clock.Update(await Probe(TimeSpan.Zero, (0, 0.5)).MeasureAsync(clock, default));
        Assert.True(clock.IsBounded);

        _real.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(_real.GetUtcNow() - (60 * Ms), clock.LocalNow);
        // The old offset is still bounded: only a new measurement sees the drift.
        Assert.True(clock.IsBounded);

        clock.Update(await Probe(TimeSpan.Zero, (0, 0.5)).MeasureAsync(clock, default));
        Assert.Equal(ClockState.OutOfBound, clock.State);
        Assert.Equal(_real.GetUtcNow(), clock.GetUtcNow());
    }
}
