namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// "Never early" by the test's own clock: the service's <c>printedAt</c> is its own (corrected) reading,
/// so a printer whose clock ran ahead would pass a printedAt check. The time the test read each line
/// (<see cref="ServiceProcess.StdoutLinesReceived"/>) cannot be earlier than when it was written.
/// </summary>
public static class ReadLines
{
    /// <summary>What <paramref name="processes"/> printed with the time the test read each line, parsed.</summary>
    public static List<(PrintedLine Line, long ReceivedMs)> Of(params ServiceProcess[] processes) =>
        [.. processes.SelectMany(p => p.StdoutLinesReceived().Select(l => (PrintedLine.Parse(p.Name, l.Line), l.ReceivedMs)))];

    /// <summary>One problem per line the test read before its due time, among the lines whose message starts with <paramref name="tag"/>.</summary>
    public static IEnumerable<string> EarlyByReadTime(IEnumerable<(PrintedLine Line, long ReceivedMs)> lines, string tag) =>
        lines.Where(l => l.Line.Message.StartsWith(tag, StringComparison.Ordinal) && l.ReceivedMs < l.Line.DueMs)
            .Select(l => $"read early: {l.Line.Id} {l.Line.DueMs - l.ReceivedMs} ms before its due time");
}
