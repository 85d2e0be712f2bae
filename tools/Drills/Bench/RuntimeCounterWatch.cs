using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace EchoAtTime.Bench;

/// <summary>
/// What the silos' runtimes did from <see cref="StartAsync"/> to <see cref="StopAsync"/>, from their incrementing
/// counters (<c>System.Runtime</c>) read over EventPipe every 200 ms, as <c>dotnet-counters</c> reads them: the bytes
/// allocated (<c>alloc-rate</c>, <c>GC.GetTotalAllocatedBytes</c> deltas), the thread-pool work items completed (each a
/// hand-off from one piece of work to the next: a request's trips between queues and threads) and the lock
/// contentions. The last interval before the stop is not reported, so a figure is short by up to 200 ms of it.
/// </summary>
public sealed class RuntimeCounterWatch
{
    private const string IntervalSeconds = "0.2";
    private readonly List<(EventPipeSession Session, Task Reading)> _sessions = [];
    private readonly Lock _lock = new();
    private double _bytes;
    private double _workItems;
    private double _contentions;
    private string? _failure;

    /// <summary>
    /// Opens a session with every silo. The diagnostics client blocks its thread until the runtime answers, and reads
    /// the answer with the socket engine, so none of it runs on the caller's thread (often that engine's own, after a
    /// socket's answer); a silo that does not answer within 10 s leaves the figure out.
    /// </summary>
    public static async Task<RuntimeCounterWatch> StartAsync(Deployment deployment)
    {
        var watch = new RuntimeCounterWatch();
        foreach (var pid in deployment.Current.Select(p => p.Pid))
        {
            try
            {
                var provider = new EventPipeProvider("System.Runtime", EventLevel.Informational, (long)EventKeywords.None,
                    new Dictionary<string, string> { ["EventCounterIntervalSec"] = IntervalSeconds });
                var session = await Task.Run(() => new DiagnosticsClient(pid).StartEventPipeSession([provider], requestRundown: false))
                    .WaitAsync(TimeSpan.FromSeconds(10));
                var source = new EventPipeEventSource(session.EventStream);
                source.Dynamic.All += watch.Take;
                watch._sessions.Add((session, Task.Run(source.Process)));
            }
            catch (Exception ex) when (ex is ServerNotAvailableException or UnsupportedCommandException or ServerErrorException or IOException or TimeoutException)
            {
                watch._failure = $"pid {pid}: {ex.Message}";
            }
        }

        return watch;
    }

    /// <summary>
    /// What the silos did meanwhile; null when a silo's counters could not be read (why: the log line).
    /// </summary>
    public async Task<RuntimeCounts?> StopAsync(Action<string> log)
    {
        foreach (var (session, reading) in _sessions)
        {
            try
            {
                await Task.Run(session.Stop).WaitAsync(TimeSpan.FromSeconds(10));
                await reading.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is ServerNotAvailableException or IOException or TimeoutException)
            {
                _failure ??= ex.Message;
            }
            finally
            {
                session.Dispose();
            }
        }

        if (_failure is not null)
        {
            log($"  note: the silos' runtime counters could not be read ({_failure})");
            return null;
        }

        lock (_lock)
        {
            return new RuntimeCounts(_bytes, _workItems, _contentions);
        }
    }

    private void Take(TraceEvent e)
    {
        if (e.EventName != "EventCounters"
            || e.PayloadValue(0) is not IDictionary<string, object> outer
            || !outer.TryGetValue("Payload", out var inner) || inner is not IDictionary<string, object> counter
            || !counter.TryGetValue("Name", out var name)
            || !counter.TryGetValue("Increment", out var increment))
        {
            return;
        }

        var value = Convert.ToDouble(increment, System.Globalization.CultureInfo.InvariantCulture);
        lock (_lock)
        {
            switch (name as string)
            {
                case "alloc-rate":
                    _bytes += value;
                    break;
                case "threadpool-completed-items-count":
                    _workItems += value;
                    break;
                case "monitor-lock-contention-count":
                    _contentions += value;
                    break;
            }
        }
    }
}

/// <summary>The silos' runtime counters over a watch, summed over the silos.</summary>
public sealed record RuntimeCounts(double AllocatedBytes, double WorkItems, double LockContentions)
{
    /// <summary>The figures per request: bytes, work items and contentions.</summary>
    public static void AddPerRequest(Figures figures, RuntimeCounts? counts, long requests)
    {
        var per = Math.Max(1, requests);
        figures.Add("siloBytesPerRequest", "silo bytes allocated / request", (counts?.AllocatedBytes ?? double.NaN) / per, 0);
        figures.Add("siloWorkItemsPerRequest", "silo thread-pool work items / request", (counts?.WorkItems ?? double.NaN) / per, 2);
        figures.Add("siloContentionsPerRequest", "silo lock contentions / request", (counts?.LockContentions ?? double.NaN) / per, 3);
    }
}
