namespace EchoAtTime.Bench;

/// <summary>One benchmark scenario, run on a deployment of its own (fresh Redis, fresh silos).</summary>
public interface IScenario
{
    string Name { get; }

    /// <summary>
    /// The silo counts this scenario runs on, in place of <c>--silos</c> (the scale scenario has its
    /// own, <c>--scale-silos</c>); null: once per <c>--silos</c> count, like every other scenario.
    /// </summary>
    IReadOnlyList<int>? SiloCounts => null;

    /// <summary>
    /// CPU each silo may use, in cores (a cgroup per silo, see <see cref="CpuCgroup"/>); null: no limit.
    /// </summary>
    double? SiloCpuCores => null;

    Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken);
}
