namespace EchoAtTime.Bench;

/// <summary>What a scenario measured and what its output showed.</summary>
public sealed record ScenarioOutcome(Figures Figures, Integrity Integrity);
