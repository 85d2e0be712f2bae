namespace EchoAtTime.Testing;

/// <summary>
/// Waiting for a condition with a deadline: the only kind of waiting the tests and tools do, besides a tool's own
/// cadence.
/// </summary>
public static class Conditions
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// True once <paramref name="condition"/> holds; false when <paramref name="timeout"/> passes first.
    /// </summary>
    public static async Task<bool> WaitUntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (!await condition(deadline.Token))
            {
                await Task.Delay(PollInterval, deadline.Token);
            }

            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <inheritdoc cref="WaitUntilAsync(Func{CancellationToken, Task{bool}}, TimeSpan, CancellationToken)"/>
    public static Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitUntilAsync(_ => Task.FromResult(condition()), timeout, cancellationToken);

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> when <paramref name="timeout"/> passes first.
    /// </summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        if (!await WaitUntilAsync(_ => condition(), timeout, CancellationToken.None))
        {
            throw new TimeoutException($"{what} within {timeout}.");
        }
    }

    /// <summary>
    /// Waits until the wall clock reaches <paramref name="epochMs"/> (at once if it has, unless cancelled: a loop
    /// running late must still stop).
    /// </summary>
    public static async Task DelayUntilAsync(TimeProvider clock, long epochMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var remaining = epochMs - clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (remaining > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(remaining), clock, cancellationToken);
        }
    }
}
