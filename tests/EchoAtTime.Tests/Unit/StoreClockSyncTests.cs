using EchoAtTime.Grains;
using EchoAtTime.Grains.Clock;
using EchoAtTime.Storage.Clock;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// What keeps the cluster clock measured, against a store whose clock the test moves: a silo too
/// far off at start does not start; one that drifts off while running is told to leave; a store
/// that stops answering makes the clock stale, which is no reason to leave.
/// </summary>
public sealed class StoreClockSyncTests
{
    private readonly FakeTimeProvider _real = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
    private TimeSpan _storeSkew;
    private bool _storeDown;

    private (ClusterClock Clock, StoreClockSync Sync) Create()
    {
        var clock = new ClusterClock(_real, Options.Create(new EchoOptions { MaxClockSkew = TimeSpan.FromMilliseconds(50), ClockRefresh = TimeSpan.FromSeconds(30) }));
        var sync = new StoreClockSync(clock, _ =>
        {
            if (_storeDown)
            {
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "store down");
            }

            _real.Advance(TimeSpan.FromMilliseconds(1));
            return Task.FromResult(_real.GetUtcNow() + _storeSkew);
        }, NullLogger<StoreClockSync>.Instance);
        return (clock, sync);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(-200)]
    public async Task A_silo_measured_beyond_the_bound_at_start_does_not_start(int skewMs)
    {
        _storeSkew = TimeSpan.FromMilliseconds(skewMs);
        var (clock, sync) = Create();
        using (sync)
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => sync.OnStartAsync(CancellationToken.None));

            Assert.Contains("does not start", refused.Message, StringComparison.Ordinal);
            Assert.False(clock.IsBounded);
        }
    }

    [Fact]
    public async Task A_silo_whose_clock_drifts_beyond_the_bound_while_running_stops_printing_and_is_told_to_leave()
    {
        var (clock, sync) = Create();
        using (sync)
        {
            await sync.OnStartAsync(CancellationToken.None);
            Assert.True(clock.IsBounded);
            Assert.False(clock.OutOfBound.IsCompleted);

            _storeSkew = TimeSpan.FromMilliseconds(120);
            Assert.True(await sync.MeasureOnceAsync(CancellationToken.None));

            Assert.False(clock.IsBounded);
            Assert.True(clock.OutOfBound.IsCompleted);
            Assert.Contains("beyond ±50 ms", await clock.OutOfBound, StringComparison.Ordinal);
            await sync.OnStopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_store_that_stops_answering_makes_the_clock_stale_but_never_tells_the_silo_to_leave()
    {
        var (clock, sync) = Create();
        using (sync)
        {
            await sync.OnStartAsync(CancellationToken.None);
            _storeDown = true;
            _real.Advance(clock.StaleAfter + TimeSpan.FromSeconds(1));
            Assert.False(await sync.MeasureOnceAsync(CancellationToken.None));

            Assert.Equal(ClockState.Stale, clock.State);
            Assert.False(clock.IsBounded);
            Assert.False(clock.OutOfBound.IsCompleted);
            await sync.OnStopAsync(CancellationToken.None);
        }
    }
}
