namespace EchoAtTime.Storage.Clock;

/// <summary>
/// One measurement of the store's clock against this silo's (shifted) local clock.
/// <see cref="Offset"/> is the lower end of the interval the true offset lies in, so a time corrected
/// by it is never ahead of the store's clock; <see cref="RoundTrip"/> is that interval's width,
/// i.e. how much later than necessary the corrected clock may run.
/// </summary>
/// <param name="Offset">Store time minus local wall time, chosen as <c>s − t1</c> (see
/// <see cref="StoreClockProbe"/>).</param>
/// <param name="RoundTrip">Local time from sending TIME to receiving its answer.</param>
/// <param name="MeasuredAt">
/// Local <see cref="TimeProvider.GetTimestamp"/> when the answer arrived: the cluster clock counts from it by monotonic
/// time, so a wall-clock step between two measurements moves neither the reading nor the sample's age.
/// </param>
/// <param name="StoreTime">
/// The store's reading <c>s</c>: at <see cref="MeasuredAt"/> the store's clock read at least this much, so
/// <c>s</c> plus the monotonic time since is never ahead of it.
/// </param>
public sealed record ClockSample(TimeSpan Offset, TimeSpan RoundTrip, long MeasuredAt, DateTimeOffset StoreTime);
