using EchoAtTime.Grains;
using EchoAtTime.Grains.Clock;
using EchoAtTime.Storage.Clock;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The clock probe against a real redis-server on this machine: the store's clock is the local
/// one, so the true offset is zero (or minus the shift). The measured offset is the lower bound
/// s − t1, so it lies at or just below the true one, by at most the winning round trip.
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class StoreClockProbeTests(RedisFixture redis)
{
    // TIME has microsecond resolution and the local clock 100 ns: rounding, nothing more.
    private static readonly TimeSpan Resolution = TimeSpan.FromTicks(10);

    private async Task<ClusterClock> MeasuredAsync(TimeSpan shift)
    {
        var clock = new ClusterClock(TimeProvider.System, Options.Create(new EchoOptions { ClockShift = shift }));
        var probe = new StoreClockProbe(ct => StoreTime.ReadAsync(redis.Multiplexer, ct));
        clock.Update(await probe.MeasureAsync(clock, CancellationToken.None));
        return clock;
    }

    [Fact]
    public async Task An_unshifted_clock_measures_an_offset_of_a_few_ms_at_most_and_is_bounded()
    {
        var clock = await MeasuredAsync(TimeSpan.Zero);

        // Below the truth by at most the winning round trip: a fixed 5 ms failed once on a Garnet just started.
        Assert.InRange(clock.Offset, -clock.RoundTrip!.Value - Resolution, Resolution);
        Assert.True(clock.IsBounded, clock.Describe());
    }

    [Fact]
    public async Task A_clock_shifted_200_ms_ahead_measures_about_minus_200_ms_and_is_not_bounded()
    {
        var shift = TimeSpan.FromMilliseconds(200);
        var clock = await MeasuredAsync(shift);

        Assert.InRange(clock.Offset, -shift - clock.RoundTrip!.Value - Resolution, -shift + Resolution);
        Assert.Equal(ClockState.OutOfBound, clock.State);

        // Corrected, it reads the store's clock again: never ahead of it, behind by at most the winning round trip.
        var before = clock.GetUtcNow();
        var store = await StoreTime.ReadAsync(redis.Multiplexer, CancellationToken.None);
        var after = clock.GetUtcNow();
        Assert.True(before <= store + Resolution, $"{(before - store).TotalMilliseconds} ms ahead");
        Assert.True(store - after <= clock.RoundTrip + Resolution, $"{(store - after).TotalMilliseconds} ms behind, round trip {clock.RoundTrip}");
    }
}
