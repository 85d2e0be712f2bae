namespace EchoAtTime.Testing;

/// <summary>
/// A distribution in ms as count, p50, p99, max (nearest-rank percentiles): lateness of first prints, request latency.
/// </summary>
public sealed record LatenessFigures(int Count, long P50, long P99, long Max)
{
    public static LatenessFigures Of(IReadOnlyCollection<long> lateness)
    {
        if (lateness.Count == 0)
        {
            return new LatenessFigures(0, 0, 0, 0);
        }

        var sorted = lateness.Order().ToArray();
        return new LatenessFigures(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted[^1]);
    }

    public static long Percentile(long[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}
