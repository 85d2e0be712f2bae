namespace EchoAtTime.Bench;

/// <summary>
/// Due times drawn uniformly from [<paramref name="StartMs"/>, <paramref name="StartMs"/> +
/// <paramref name="LengthMs"/>), epoch ms.
/// </summary>
public readonly record struct DueWindow(long StartMs, long LengthMs)
{
    public long EndMs => StartMs + LengthMs;

    public long Draw(Random random) => StartMs + random.NextInt64(Math.Max(1, LengthMs));

    /// <summary>
    /// schedule.*: the window that opens <see cref="BenchOptions.DueGap"/> after sending (warm-up plus
    /// duration, starting now) ends, so that printing does not compete with scheduling.
    /// </summary>
    public static DueWindow AfterSending(BenchOptions options) => new(
        DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)(options.WarmUp + options.Duration + options.DueGap).TotalMilliseconds,
        (long)options.DueWindow.TotalMilliseconds);
}
