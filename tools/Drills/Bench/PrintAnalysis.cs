namespace EchoAtTime.Bench;

/// <summary>
/// Checks what the silos printed against what was accepted (the shared <see cref="Invariants"/>,
/// reported as <see cref="Integrity"/>) and keeps the first print of every id for the timing figures.
/// </summary>
public sealed class PrintAnalysis
{
    private const int EvidenceKept = 5;

    private PrintAnalysis(Integrity integrity, IReadOnlyList<PrintedLine> firstPrints)
    {
        Integrity = integrity;
        FirstPrints = firstPrints;
    }

    public Integrity Integrity { get; }

    /// <summary>The first print of each id, in printedAt order.</summary>
    public IReadOnlyList<PrintedLine> FirstPrints { get; }

    /// <summary>Lateness (printedAt − dueAt, ms) of the first prints.</summary>
    public LatenessFigures Lateness => LatenessFigures.Of([.. FirstPrints.Select(p => p.LatenessMs)]);

    /// <param name="accepted">Every id answered 202.</param>
    /// <param name="outputs">What each silo process printed.</param>
    /// <param name="expectPrints">False where nothing is due during the run: then nothing counts as lost.</param>
    public static PrintAnalysis Analyze(IReadOnlyCollection<MessageKey> accepted, IReadOnlyList<ProcessOutput> outputs, bool expectPrints = true)
    {
        // No process is killed in a benchmark: every repeat, flagged or not, is a duplicate.
        var lines = outputs.SelectMany(o => o.Lines).ToList();
        var report = Invariants.Check(lines, expectPrints ? accepted : null);
        var acceptedSet = accepted as IReadOnlySet<MessageKey> ?? new HashSet<MessageKey>(accepted);
        var evidence = report.Evidence
            .GroupBy(e => e[..e.IndexOf(':', StringComparison.Ordinal)], StringComparer.Ordinal)
            .SelectMany(kind => kind.Take(EvidenceKept))
            .ToList();
        evidence.AddRange(outputs.Where(o => o.Unparseable > 0).SelectMany(o => o.UnparseableSamples.Select(line => $"unparseable ({o.Process}): {line}")));
        var integrity = new Integrity
        {
            Accepted = acceptedSet.Count,
            PrintedLines = report.PrintedLines,
            DistinctPrinted = report.PrintedMessages,
            Lost = report.Lost,
            Duplicates = report.FlaggedRepeats + report.UnflaggedRepeats,
            Redelivered = report.Flagged,
            OrderBreaks = report.OrderBreaks,
            Early = report.Early,
            PrintedNotAccepted = report.FirstPrints.LongCount(p => !acceptedSet.Contains(p.Key)),
            Unparseable = outputs.Sum(o => o.Unparseable),
            Evidence = evidence,
        };
        return new PrintAnalysis(integrity, report.FirstPrints);
    }

    /// <summary>How many of <paramref name="accepted"/> have printed at least once.</summary>
    public static long CountPrinted(IReadOnlySet<MessageKey> accepted, IReadOnlyList<ProcessOutput> outputs) =>
        outputs.SelectMany(o => o.Lines).Select(r => r.Key).Where(accepted.Contains).Distinct().LongCount();
}
