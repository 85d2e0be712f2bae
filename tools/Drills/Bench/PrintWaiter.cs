namespace EchoAtTime.Bench;

/// <summary>Waits until every accepted message has printed (or a deadline), then analyses the output.</summary>
public static class PrintWaiter
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    // Parsing every file again is costly (a million lines take seconds): not more often than this.
    private static readonly TimeSpan ReparseEvery = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed after the last due time: generous, since a miss shows up as lost anyway.</summary>
    public static long DeadlineAfter(long lastDueMs, long messages) => lastDueMs + 30_000 + messages / 10;

    /// <summary>
    /// Counts stdout lines (cheap) until there are as many as accepted messages, then parses the
    /// files; if some accepted id is still missing (a repeat or an unasked print filled the count) it
    /// keeps waiting until <paramref name="deadlineMs"/>. Prints of <paramref name="ignored"/> (a
    /// warm-up) are left out of the analysis.
    /// </summary>
    public static async Task<PrintAnalysis> WaitAsync(
        Deployment deployment, IReadOnlyCollection<MessageKey> accepted, long deadlineMs, Action<string> log, CancellationToken cancellationToken,
        IReadOnlySet<MessageKey>? ignored = null)
    {
        var expected = accepted as IReadOnlySet<MessageKey> ?? new HashSet<MessageKey>(accepted);
        var counter = new LineCounter();
        var nextProgress = DateTimeOffset.UtcNow + ProgressEvery;
        var nextParse = DateTimeOffset.MinValue;
        while (true)
        {
            var lines = counter.Count(deployment.SiloInstances.Select(p => p.StdoutPath!));
            var timedOut = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() >= deadlineMs;
            if ((lines >= expected.Count && DateTimeOffset.UtcNow >= nextParse) || timedOut)
            {
                nextParse = DateTimeOffset.UtcNow + ReparseEvery;
                var outputs = ProcessOutput.Read(deployment.SiloInstances);
                if (ignored is { Count: > 0 })
                {
                    outputs = [.. outputs.Select(o => o with { Lines = [.. o.Lines.Where(r => !ignored.Contains(r.Key))] })];
                }

                var printed = PrintAnalysis.CountPrinted(expected, outputs);
                if (printed == expected.Count || timedOut)
                {
                    if (printed < expected.Count)
                    {
                        log($"  gave up waiting: {printed} of {expected.Count} accepted messages printed");
                    }

                    return PrintAnalysis.Analyze(expected, outputs);
                }
            }

            if (DateTimeOffset.UtcNow >= nextProgress)
            {
                log($"  printed {lines} of {expected.Count}");
                nextProgress += ProgressEvery;
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }
}
