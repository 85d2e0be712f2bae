using System.Diagnostics.Metrics;

namespace EchoAtTime;

/// <summary>
/// The service's own instruments, meter <c>EchoAtTime</c>. Pending counts are cluster-wide figures
/// read from Redis by each silo's sweeper now and then, so a scrape never costs a Redis call.
/// </summary>
public sealed class EchoMetrics
{
    public const string MeterName = "EchoAtTime";

    private readonly Counter<long> _scheduled;
    private readonly Counter<long> _printed;
    private readonly Counter<long> _redelivered;
    private readonly Counter<long> _canceled;
    private readonly Counter<long> _expired;
    private readonly Counter<long> _moved;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _noticesFailed;
    private readonly Histogram<double> _lateness;
    private long _pendingMessages;
    private long _pendingSlots;

    public EchoMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _scheduled = meter.CreateCounter<long>("echo.messages.scheduled", "{message}", "Messages accepted (202), repeats of an idempotent request excluded.");
        _printed = meter.CreateCounter<long>("echo.messages.printed", "{message}", "Messages printed, redeliveries included.");
        _redelivered = meter.CreateCounter<long>("echo.messages.redelivered", "{message}", "Messages printed again after a crash, flagged redelivered.");
        _canceled = meter.CreateCounter<long>("echo.messages.canceled", "{message}", "Messages canceled before printing.");
        _expired = meter.CreateCounter<long>("echo.messages.expired", "{message}", "Messages not printed because they could only print later than their due time plus expireAfter.");
        _moved = meter.CreateCounter<long>("echo.messages.moved", "{message}", "Messages rescheduled; where each arrives it counts as scheduled again.");
        _rejected = meter.CreateCounter<long>("echo.messages.rejected", "{message}", "Messages refused, tagged with the HTTP status (400, 409, 503, ...).");
        _noticesFailed = meter.CreateCounter<long>("echo.notices.failed", "{notice}", "Notices to a minute's printer that could not be sent; the sweep finds those messages instead, within one interval.");
        _lateness = meter.CreateHistogram<double>("echo.lateness", "ms", "Print time minus due time.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0, 1, 2, 5, 10, 20, 50, 100, 250, 500, 1_000, 5_000, 30_000, 60_000] });
        meter.CreateObservableGauge("echo.pending.messages", () => Interlocked.Read(ref _pendingMessages), "{message}", "Messages accepted and not yet printed or canceled (cluster-wide).");
        meter.CreateObservableGauge("echo.pending.slots", () => Interlocked.Read(ref _pendingSlots), "{slot}", "Minutes holding pending messages (cluster-wide).");
    }

    public void Scheduled(int count) => _scheduled.Add(count);

    public void Printed(int count, int redelivered)
    {
        _printed.Add(count);
        if (redelivered > 0)
        {
            _redelivered.Add(redelivered);
        }
    }

    public void NoticeFailed() => _noticesFailed.Add(1);

    public void Lateness(double ms) => _lateness.Record(ms);

    public void Canceled() => _canceled.Add(1);

    public void Expired(int count) => _expired.Add(count);

    public void Moved() => _moved.Add(1);

    public void Rejected(int count, int status) => _rejected.Add(count, new KeyValuePair<string, object?>("http.response.status_code", status));

    public void Pending(long messages, long slots)
    {
        Interlocked.Exchange(ref _pendingMessages, messages);
        Interlocked.Exchange(ref _pendingSlots, slots);
    }
}
