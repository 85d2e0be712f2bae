namespace EchoAtTime.Storage.Clock;

/// <summary>
/// Measures the offset of the store's clock to this silo's local clock. For one sample, with local
/// send time t0, receive time t1 and store time s, the store read its clock somewhere in [t0, t1],
/// so the true offset θ lies in [s − t1, s − t0]. The probe takes the lower bound s − t1: a local
/// time corrected by it is never ahead of the store's clock, at the price of running up to one
/// round trip late. Of several samples the one with the shortest round trip wins, because its
/// interval is the narrowest (a sample delayed by a GC pause or a busy core says little).
/// </summary>
/// <param name="readStoreTime">Reads the store's clock once (Redis <c>TIME</c>; a fake in tests).</param>
/// <param name="samples">How many round trips to take; a handful costs well under a millisecond on a healthy
/// network.</param>
public sealed class StoreClockProbe(Func<CancellationToken, Task<DateTimeOffset>> readStoreTime, int samples = StoreClockProbe.DefaultSamples)
{
    public const int DefaultSamples = 5;

    /// <summary>
    /// Takes the samples against <paramref name="clock"/>'s local reading; throws what the store read throws.
    /// </summary>
    public async Task<ClockSample> MeasureAsync(ClusterClock clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ClockSample? best = null;
        for (var i = 0; i < Math.Max(1, samples); i++)
        {
            var sentAt = clock.LocalNow;
            var storeTime = await readStoreTime(cancellationToken).ConfigureAwait(false);
            var receivedAt = clock.LocalNow;
            var measuredAt = clock.GetTimestamp();
            var roundTrip = receivedAt - sentAt;
            if (roundTrip < TimeSpan.Zero)
            {
                // The local wall clock stepped back mid-sample: the interval says nothing.
                continue;
            }

            if (best is null || roundTrip < best.RoundTrip)
            {
                best = new ClockSample(storeTime - receivedAt, roundTrip, measuredAt, storeTime);
            }
        }

        return best ?? throw new InvalidOperationException("Every sample of the store's clock saw the local clock step back.");
    }
}
