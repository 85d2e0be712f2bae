namespace EchoAtTime.Bench;

/// <summary>The silos' CPU (from /proc) since <see cref="Start"/>, per unit of work done meanwhile.</summary>
public sealed class SiloCpuWatch
{
    private readonly int[] _pids;
    private readonly double _startSeconds;

    private SiloCpuWatch(int[] pids) => (_pids, _startSeconds) = (pids, ProcessCpu.Seconds(pids));

    public static SiloCpuWatch Start(Deployment deployment) => new([.. deployment.Current.Select(p => p.Pid)]);

    /// <summary>CPU seconds of the silos since the start.</summary>
    public double Seconds => ProcessCpu.Seconds(_pids) - _startSeconds;

    /// <summary>CPU µs of the silos since the start, per one of <paramref name="units"/>.</summary>
    public double MicrosecondsPer(long units) => Seconds * 1_000_000 / Math.Max(1, units);
}
