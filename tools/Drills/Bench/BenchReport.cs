namespace EchoAtTime.Bench;

/// <summary>Everything a run measured, for the table and the JSON report.</summary>
public sealed record BenchReport(BenchOptions Options, MachineInfo Machine, IReadOnlyList<ScenarioResult> Runs, DateTimeOffset StartedAt, double WallSeconds, string WorkDir, bool WorkDirKept)
{
    /// <summary>Every scenario ran and every invariant held.</summary>
    public bool Passed => Runs.Count > 0 && Runs.All(r => r.Passed);
}
