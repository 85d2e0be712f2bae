namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// Teardown that runs every step whatever the ones before did, so one that throws leaves nothing else running.
/// </summary>
public static class Cleanup
{
    /// <summary>
    /// Runs <paramref name="start"/>; if it throws, runs <paramref name="dispose"/> and rethrows. xunit may not
    /// dispose a fixture whose start failed, and nothing it started (redis-server included) may outlive it.
    /// </summary>
    public static async Task StartOrDisposeAsync(Func<Task> start, Func<Task> dispose)
    {
        try
        {
            await start();
        }
        catch
        {
            await dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs each step in order; rethrows what failed (one exception as is, several together) after all ran.
    /// </summary>
    public static async Task RunAllAsync(params Func<Task>[] steps)
    {
        var failures = new List<Exception>();
        foreach (var step in steps)
        {
            try
            {
                await step();
            }
            catch (Exception ex)
            {
                failures.Add(ex);
            }
        }

        if (failures.Count == 1)
        {
            throw failures[0];
        }

        if (failures.Count > 1)
        {
            throw new AggregateException("Several teardown steps failed.", failures);
        }
    }
}
