namespace EchoAtTime.Grains.Output;

/// <summary>
/// Whether this silo's console still takes output. Set once, never reset: a console that blocked
/// past <see cref="EchoOptions.ConsoleTimeout"/> or failed cannot be trusted with the next batch,
/// and the silo leaves the cluster on it (health checks report it, the host stops on
/// <see cref="Failure"/>) so that another silo prints its slots.
/// </summary>
public sealed class ConsoleHealth
{
    private readonly TaskCompletionSource<string> _failure = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsHealthy => !_failure.Task.IsCompleted;

    /// <summary>Completes with what went wrong, once the console is given up on.</summary>
    public Task<string> Failure => _failure.Task;

    /// <summary>What went wrong, or null while the console is healthy.</summary>
    public string? Problem => _failure.Task.IsCompleted ? _failure.Task.Result : null;

    /// <summary>Gives the console up; true for the first report only, later ones keep the first problem.</summary>
    public bool ReportFailure(string problem) => _failure.TrySetResult(problem);
}
