namespace EchoAtTime.Simulate.Gate;

/// <summary>
/// One store round trip (or one console write) the product asked for and the simulator has not yet
/// carried out. Nothing reaches the store until a step releases it, so the steps decide the interleaving.
/// </summary>
internal sealed class PendingCall(string lane, long arrival, string what, Func<Task> execute, Action<Task> complete)
{
    /// <summary>Silo incarnation and operation: calls of one lane run in the order they were asked for.</summary>
    public string Lane { get; } = lane;

    public long Arrival { get; } = arrival;

    public string What { get; } = what;

    /// <summary>Runs it against the real store (or console), returning the store's answer as a task.</summary>
    public Func<Task> Execute { get; } = execute;

    /// <summary>
    /// Hands the answer (or a failure) back to the product code, which continues at once on this thread.
    /// </summary>
    public Action<Task> Complete { get; } = complete;

    public override string ToString() => $"{Lane}: {What}";
}
