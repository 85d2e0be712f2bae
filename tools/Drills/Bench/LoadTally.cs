using System.Diagnostics;

namespace EchoAtTime.Bench;

/// <summary>
/// What one load worker sent and got back. Each worker has its own (no lock on the hot path);
/// <see cref="Merge"/> adds them up at the end. Throughput counts messages whose answer arrived
/// inside the measured window; latency samples are requests sent inside it.
/// </summary>
public sealed class LoadTally(long measureFrom, long measureTo)
{
    /// <summary>Every message answered 202, warm-up included: they all must print.</summary>
    public List<MessageKey> Accepted { get; } = [];

    /// <summary>Stopwatch ticks from send to answer, for requests sent inside the window.</summary>
    public List<long> LatencyTicks { get; } = [];

    /// <summary>Messages not accepted, by cause (<c>503</c>, <c>connection error</c>, ...).</summary>
    public Dictionary<string, long> Rejected { get; } = new(StringComparer.Ordinal);

    public long Requests { get; private set; }

    public long Messages { get; private set; }

    /// <summary>Accepted messages whose answer arrived inside the window.</summary>
    public long MeasuredAccepted { get; private set; }

    /// <summary>Requests answered inside the window (any status).</summary>
    public long MeasuredRequests { get; private set; }

    public long MeasureFrom => measureFrom;

    public long MeasureTo => measureTo;

    public double WindowSeconds => Math.Max(1, measureTo - measureFrom) / (double)Stopwatch.Frequency;

    /// <summary>
    /// One answered request: <paramref name="accepted"/> of its <paramref name="messages"/> were accepted.
    /// </summary>
    public void Answered(long sentAt, long answeredAt, int messages, int accepted)
    {
        Requests++;
        Messages += messages;
        if (answeredAt >= measureFrom && answeredAt <= measureTo)
        {
            MeasuredRequests++;
            MeasuredAccepted += accepted;
        }

        if (sentAt >= measureFrom && sentAt <= measureTo)
        {
            LatencyTicks.Add(answeredAt - sentAt);
        }
    }

    public void Reject(string cause, long messages)
    {
        Rejected[cause] = Rejected.GetValueOrDefault(cause) + messages;
    }

    public static LoadTally Merge(IReadOnlyList<LoadTally> tallies, long measureFrom, long measureTo)
    {
        var total = new LoadTally(measureFrom, measureTo);
        foreach (var tally in tallies)
        {
            total.Accepted.AddRange(tally.Accepted);
            total.LatencyTicks.AddRange(tally.LatencyTicks);
            foreach (var (cause, count) in tally.Rejected)
            {
                total.Reject(cause, count);
            }

            total.Requests += tally.Requests;
            total.Messages += tally.Messages;
            total.MeasuredAccepted += tally.MeasuredAccepted;
            total.MeasuredRequests += tally.MeasuredRequests;
        }

        return total;
    }
}
