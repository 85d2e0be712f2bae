using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace EchoAtTime.Bench;

/// <summary>
/// The bytes the silos allocated from <see cref="StartAsync"/> to <see cref="StopAsync"/>: the runtime's
/// <c>alloc-rate</c> counter (<c>System.Runtime</c>, <c>GC.GetTotalAllocatedBytes</c> deltas) read over EventPipe every
/// 200 ms, as
/// <c>dotnet-counters</c> reads it. The last interval before the stop is not reported, so a figure is short by up
/// to 200 ms of allocation.
/// </summary>
public sealed class AllocationWatch
{
    private const string IntervalSeconds = "0.2";
    private readonly List<(EventPipeSession Session, Task Reading)> _sessions = [];
    private readonly Lock _lock = new();
    private double _bytes;
    private string? _failure;

    /// <summary>
    /// Opens a session with every silo. The diagnostics client blocks its thread until the runtime answers, and reads
    /// the answer with the socket engine, so none of it runs on the caller's thread (often that engine's own, after a
    /// socket's answer); a silo that does not answer within 10 s leaves the figure out.
    /// </summary>
    public static async Task<AllocationWatch> StartAsync(Deployment deployment)
    {
        var watch = new AllocationWatch();
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
    /// The bytes allocated meanwhile; null when a silo's counter could not be read (why: the log line).
    /// </summary>
    public async Task<double?> StopAsync(Action<string> log)
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
            log($"  note: the silos' allocations could not be read ({_failure})");
            return null;
        }

        lock (_lock)
        {
            return _bytes;
        }
    }

    private void Take(TraceEvent e)
    {
        if (e.EventName != "EventCounters"
            || e.PayloadValue(0) is not IDictionary<string, object> outer
            || !outer.TryGetValue("Payload", out var inner) || inner is not IDictionary<string, object> counter
            || !counter.TryGetValue("Name", out var name) || !Equals(name, "alloc-rate")
            || !counter.TryGetValue("Increment", out var increment))
        {
            return;
        }

        lock (_lock)
        {
            _bytes += Convert.ToDouble(increment, System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
