using System.Diagnostics;
using System.Text.Json.Nodes;

namespace EchoAtTime.Bench;

/// <summary>The figures every load reports: what was accepted, what was not (by cause), request latency.</summary>
public static class LoadFigures
{
    public static void Add(Figures figures, LoadTally tally)
    {
        var rejected = new JsonObject();
        foreach (var (cause, count) in tally.Rejected.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            rejected[cause] = count;
        }

        var sorted = tally.LatencyTicks.Order().ToArray();
        double Ms(double fraction) => sorted.Length == 0 ? double.NaN : LatenessFigures.Percentile(sorted, fraction) * 1000.0 / Stopwatch.Frequency;
        figures
            .Add("accepted", "accepted (202) messages", tally.Accepted.Count)
            .Add("notAccepted", "not accepted messages", tally.Rejected.Values.Sum())
            .AddJson("notAcceptedByCause", rejected)
            .Add("requests", "requests", tally.Requests)
            .Add("latencyMsP50", "request latency ms p50", Ms(0.50), 2)
            .Add("latencyMsP99", "request latency ms p99", Ms(0.99), 2)
            .Add("latencyMsMax", "request latency ms max", Ms(1.0), 2);
    }

    /// <summary>How fast the silos printed: first prints / (last printedAt − first printedAt).</summary>
    public static void AddPrintRate(Figures figures, PrintAnalysis analysis)
    {
        var prints = analysis.FirstPrints;
        var spanMs = prints.Count > 0 ? prints.Max(p => p.PrintedMs) - prints.Min(p => p.PrintedMs) : 0;
        figures.Add("printedPerSecond", "printed msg/s (first..last print)", prints.Count * 1000.0 / Math.Max(1, spanMs), 0);
    }

    /// <summary>Lateness of the first prints (printedAt − dueAt, the silo's clock), ms.</summary>
    public static void AddLateness(Figures figures, PrintAnalysis analysis)
    {
        var lateness = analysis.Lateness;
        figures
            .Add("latenessMsP50", "lateness ms p50", lateness.P50)
            .Add("latenessMsP99", "lateness ms p99", lateness.P99)
            .Add("latenessMsMax", "lateness ms max", lateness.Max);
    }
}
