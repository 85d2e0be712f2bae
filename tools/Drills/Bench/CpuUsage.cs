using System.Diagnostics;
using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// CPU seconds used over one measured window: each silo, Redis, this tool (all from /proc, see
/// <see cref="ProcessCpu"/>) and the whole machine (<c>/proc/stat</c>), so a reader can tell whether
/// the silos were the limit or Redis, the load generator or something else running on the machine.
/// </summary>
public sealed record CpuUsage(IReadOnlyList<double> SiloSeconds, double RedisSeconds, double ToolSeconds, double MachineBusySeconds, double WallSeconds)
{
    public double SiloTotalSeconds => SiloSeconds.Sum();

    /// <summary>
    /// Busy CPU of the machine that none of the measured processes used (another workload, the kernel).
    /// </summary>
    public double OtherSeconds => Math.Max(0, MachineBusySeconds - SiloTotalSeconds - RedisSeconds - ToolSeconds);

    /// <summary>CPU seconds per wall second, in % of one core.</summary>
    public double PercentOfOneCore(double seconds) => seconds / Math.Max(1e-3, WallSeconds) * 100;

    /// <summary>
    /// Waits <paramref name="after"/> (the load's warm-up), then measures for <paramref name="during"/>
    /// (its measured window): started together with the load, the two windows coincide to a few ms.
    /// </summary>
    public static async Task<CpuUsage> MeasureAsync(IReadOnlyList<int> siloPids, IReadOnlyList<int> storePids, TimeSpan after, TimeSpan during, CancellationToken cancellationToken)
    {
        await Task.Delay(after, cancellationToken);
        var before = Snapshot.Take(siloPids, storePids);
        await Task.Delay(during, cancellationToken);
        var end = Snapshot.Take(siloPids, storePids);
        return new CpuUsage(
            [.. end.Silos.Zip(before.Silos, (a, b) => a - b)],
            end.Redis - before.Redis,
            end.Tool - before.Tool,
            end.MachineBusy - before.MachineBusy,
            Stopwatch.GetElapsedTime(before.Timestamp, end.Timestamp).TotalSeconds);
    }

    private sealed record Snapshot(double[] Silos, double Redis, double Tool, double MachineBusy, long Timestamp)
    {
        public static Snapshot Take(IReadOnlyList<int> siloPids, IReadOnlyList<int> storePids) => new(
            [.. siloPids.Select(pid => ProcessCpu.Seconds(pid) ?? 0)],
            ProcessCpu.Seconds(storePids),
            ProcessCpu.Own(),
            ReadMachineBusy(),
            Stopwatch.GetTimestamp());

        /// <summary>
        /// All cores' busy time, seconds: the first line of <c>/proc/stat</c> (user nice system idle
        /// iowait irq softirq steal, in clock ticks; guest time is already inside user) less idle and iowait.
        /// </summary>
        private static double ReadMachineBusy()
        {
            try
            {
                var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                    .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
                return fields.Length < 5 ? 0 : (fields.Sum() - fields[3] - fields[4]) / (double)ProcessCpu.TicksPerSecond;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                return 0;
            }
        }
    }
}
