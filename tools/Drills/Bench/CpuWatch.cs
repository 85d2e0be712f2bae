using System.Diagnostics;

namespace EchoAtTime.Bench;

/// <summary>This tool's own CPU use over a stretch of time: the load must leave the cores to the silos.</summary>
public readonly record struct CpuWatch(double CpuSeconds, long StartedAt)
{
    public static CpuWatch Start() => new(ProcessCpu.Own(), Stopwatch.GetTimestamp());

    /// <summary>CPU seconds used since <see cref="Start"/> per wall second, in % of one core.</summary>
    public double PercentOfOneCore() =>
        (ProcessCpu.Own() - CpuSeconds) / Math.Max(1e-3, Stopwatch.GetElapsedTime(StartedAt).TotalSeconds) * 100;
}
