using EchoAtTime.Grains;
using EchoAtTime.Grains.Clock;
using EchoAtTime.Storage.Clock;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// The cluster clock on a machine whose wall clock steps while its monotonic clock does not (what an
/// NTP step, a resumed VM or a manual <c>date</c> do), and on one whose monotonic clock runs at the wrong
/// rate. The store's clock is real time; each TIME call takes 2 ms and reads the store's clock midway.
/// </summary>
public sealed class ClockStepTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private readonly FakeTimeProvider _real = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
    private readonly SteppingTimeProvider _machine;
    private readonly ClusterClock _clock;

    public ClockStepTests()
    {
        _machine = new SteppingTimeProvider(_real);
        _clock = new ClusterClock(_machine, Options.Create(new EchoOptions { MaxClockSkew = 50 * Ms, ClockRefresh = TimeSpan.FromSeconds(30) }));
    }

    private Task<DateTimeOffset> ReadStoreTime()
    {
        _real.Advance(Ms);
        var storeTime = _real.GetUtcNow();
        _real.Advance(Ms);
        return Task.FromResult(storeTime);
    }

    private async Task MeasureAsync() => _clock.Update(await new StoreClockProbe(_ => ReadStoreTime(), 3).MeasureAsync(_clock, default));

    [Theory]
    [InlineData(3_000)]
    [InlineData(-3_000)]
    [InlineData(60)]
    [InlineData(-60)]
    public async Task A_wall_clock_step_between_two_measurements_does_not_move_the_cluster_clock(int stepMs)
    {
        await MeasureAsync();
        _real.Advance(TimeSpan.FromSeconds(5));

        _machine.Step = stepMs * Ms;

        for (var i = 0; i < 5; i++)
        {
            var late = _real.GetUtcNow() - _clock.GetUtcNow();
            Assert.True(late >= TimeSpan.Zero, $"the cluster clock read {-late.TotalMilliseconds} ms ahead of the store's after a {stepMs} ms wall step");
            Assert.True(late <= 2 * Ms, $"the cluster clock read {late.TotalMilliseconds} ms behind the store's after a {stepMs} ms wall step");
            _real.Advance(TimeSpan.FromSeconds(6));
        }

        Assert.InRange(_clock.WallDeparture.TotalMilliseconds, stepMs - 1, stepMs + 1);
        Assert.True(_clock.IsBounded, "the step is not measured yet: the reading is right and the silo may print by it");
    }

    [Theory]
    [InlineData(3_000)]
    [InlineData(-3_000)]
    public async Task The_next_measurement_names_the_step_and_finds_the_wall_clock_out_of_bound(int stepMs)
    {
        await MeasureAsync();
        _real.Advance(TimeSpan.FromSeconds(5));
        _machine.Step = stepMs * Ms;

        await MeasureAsync();

        Assert.InRange(_clock.WallStep.TotalMilliseconds, stepMs - 2, stepMs + 2);
        Assert.InRange(_clock.RateError.TotalMilliseconds, -2, 2);
        Assert.Equal(ClockState.OutOfBound, _clock.State);
        Assert.Contains("beyond ±50 ms", _clock.Describe(), StringComparison.Ordinal);
        Assert.InRange(_real.GetUtcNow() - _clock.GetUtcNow(), TimeSpan.Zero, 2 * Ms);
    }

    [Fact]
    public async Task A_monotonic_clock_running_fast_is_found_out_of_bound_by_the_next_measurement()
    {
        await MeasureAsync();
        _machine.MonotonicRate = 1.01;
        _real.Advance(TimeSpan.FromSeconds(10));
        Assert.True(_clock.IsBounded, "only a measurement can tell the rate");

        await MeasureAsync();

        Assert.InRange(_clock.RateError.TotalMilliseconds, -102, -98);
        Assert.Equal(ClockState.OutOfBound, _clock.State);
        Assert.Contains("monotonic clock strayed", _clock.Describe(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3_000)]
    [InlineData(-3_000)]
    public async Task A_running_silo_sees_a_wall_clock_step_within_a_second_and_is_told_to_leave(int stepMs)
    {
        using var sync = new StoreClockSync(_clock, _ => ReadStoreTime(), NullLogger<StoreClockSync>.Instance);
        await sync.OnStartAsync(CancellationToken.None);
        Assert.True(_clock.IsBounded);
        Assert.True(await _machine.TimersCreated.WaitAsync(TimeSpan.FromSeconds(10)), "the sync loop never waited");

        _machine.Step = stepMs * Ms;
        _real.Advance(TimeSpan.FromSeconds(1));

        var problem = await _clock.OutOfBound.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("beyond ±50 ms", problem, StringComparison.Ordinal);
        Assert.InRange(_clock.WallStep.TotalMilliseconds, stepMs - 2, stepMs + 2);
        await sync.OnStopAsync(CancellationToken.None);
    }
}
