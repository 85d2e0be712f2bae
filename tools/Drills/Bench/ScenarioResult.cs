namespace EchoAtTime.Bench;

/// <summary>One scenario run on one silo count: its figures, the invariants, remarks on the measurement.</summary>
public sealed record ScenarioResult(string Scenario, int Silos, Figures Figures, Integrity Integrity, IReadOnlyList<string> Notes, double WallSeconds)
{
    /// <summary>
    /// Set when the run could not be carried out (e.g. silos did not start); then nothing was measured.
    /// </summary>
    public string? Error { get; init; }

    public bool Passed => Error is null && Integrity.Holds;
}
