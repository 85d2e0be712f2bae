namespace EchoAtTime.Storage.Clock;

/// <summary>
/// When <see cref="ClusterClock"/> is measured again, on a silo and on a gateway alike: every
/// <see cref="ClusterClock.Refresh"/>, every second after a failure until one succeeds, and at once when the wall clock
/// departs from the monotonic reading by more than the bound (two clock reads a second: a step is seen within one).
/// </summary>
public static class ClockRefreshLoop
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan StepCheck = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs until <paramref name="stopping"/> is canceled; <paramref name="measureOnce"/> answers whether it measured.
    /// </summary>
    public static async Task RunAsync(ClusterClock clock, Func<CancellationToken, Task<bool>> measureOnce, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(measureOnce);
        var delay = clock.IsBounded ? clock.Refresh : RetryDelay;
        var since = clock.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(StepCheck < delay ? StepCheck : delay, clock, stopping).ConfigureAwait(false);
                if (clock.GetElapsedTime(since) < delay && clock.WallDeparture.Duration() <= clock.MaxSkew)
                {
                    continue;
                }

                var measured = await measureOnce(stopping).ConfigureAwait(false);
                delay = measured ? clock.Refresh : RetryDelay;
                since = clock.GetTimestamp();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
