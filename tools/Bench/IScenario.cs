namespace EchoAtTime.Bench;

/// <summary>One benchmark scenario, run on a deployment of its own (fresh Redis, fresh silos).</summary>
public interface IScenario
{
    string Name { get; }

    Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken);
}
