namespace EchoAtTime.Grains.Clock;

/// <summary>
/// One measurement of the store's clock against this silo's (shifted) local clock.
/// <see cref="Offset"/> is the lower end of the interval the true offset lies in, so a time corrected
/// by it is never ahead of the store's clock; <see cref="RoundTrip"/> is that interval's width,
/// i.e. how much later than necessary the corrected clock may run.
/// </summary>
/// <param name="Offset">Store time minus local time, chosen as <c>s − t1</c> (see <see cref="StoreClockProbe"/>).</param>
/// <param name="RoundTrip">Local time from sending TIME to receiving its answer.</param>
/// <param name="MeasuredAt">Local <see cref="TimeProvider.GetTimestamp"/> when the answer arrived: the sample's age is taken from it, so a wall-clock step can't make a stale sample look fresh.</param>
public sealed record ClockSample(TimeSpan Offset, TimeSpan RoundTrip, long MeasuredAt);
