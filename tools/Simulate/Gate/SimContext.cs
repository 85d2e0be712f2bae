namespace EchoAtTime.Simulate.Gate;

/// <summary>
/// Which simulated operation the code on this async flow belongs to. Set when the simulator starts an
/// operation; work the product queues without its context (the group commit's flush) has none and
/// goes to its silo's "flush" lane.
/// </summary>
internal static class SimContext
{
    private static readonly AsyncLocal<string?> Current = new();

    public static string? Operation => Current.Value;

    /// <summary>
    /// Starts <paramref name="body"/> as <paramref name="operation"/>: it runs on this thread until it waits on the
    /// store.
    /// </summary>
    public static T Start<T>(string operation, Func<T> body)
    {
        var previous = Current.Value;
        Current.Value = operation;
        try
        {
            return body();
        }
        finally
        {
            Current.Value = previous;
        }
    }
}
