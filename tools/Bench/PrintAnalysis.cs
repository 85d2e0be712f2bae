using EchoAtTime.Chaos;

namespace EchoAtTime.Bench;

/// <summary>
/// Checks what the silos printed against what was accepted (<see cref="Integrity"/>) and keeps the
/// first print of every id for the timing figures.
/// </summary>
public sealed class PrintAnalysis
{
    private const int EvidenceKept = 5;

    private PrintAnalysis(Integrity integrity, IReadOnlyList<PrintedRecord> firstPrints)
    {
        Integrity = integrity;
        FirstPrints = firstPrints;
    }

    public Integrity Integrity { get; }

    /// <summary>The first print of each id, in printedAt order.</summary>
    public IReadOnlyList<PrintedRecord> FirstPrints { get; }

    /// <summary>Lateness (printedAt − dueAt, ms) of the first prints.</summary>
    public LatenessFigures Lateness => LatenessFigures.Of([.. FirstPrints.Select(p => p.LatenessMs)]);

    /// <param name="accepted">Every id answered 202.</param>
    /// <param name="outputs">What each silo process printed.</param>
    /// <param name="expectPrints">False where nothing is due during the run: then nothing counts as lost.</param>
    public static PrintAnalysis Analyze(IReadOnlyCollection<MessageKey> accepted, IReadOnlyList<ProcessOutput> outputs, bool expectPrints = true)
    {
        var evidence = new List<string>();
        void Evidence(string kind, ref int shown, string text)
        {
            if (shown++ < EvidenceKept)
            {
                evidence.Add($"{kind}: {text}");
            }
        }

        // Every line as (process, index in its file), in printedAt order; ties keep file order.
        var all = outputs.SelectMany((o, p) => o.Records.Select((r, i) => (Process: p, Index: i, Record: r)))
            .OrderBy(e => e.Record.PrintedMs).ThenBy(e => e.Process).ThenBy(e => e.Index)
            .ToList();
        var seen = new HashSet<MessageKey>(all.Count);
        var first = outputs.Select(o => new bool[o.Records.Count]).ToArray();
        var firstPrints = new List<PrintedRecord>(all.Count);
        int duplicatesShown = 0, earlyShown = 0, acrossShown = 0, withinShown = 0;
        long early = 0, redelivered = 0, across = 0;
        foreach (var (process, index, record) in all)
        {
            if (seen.Add(record.Key))
            {
                first[process][index] = true;
                firstPrints.Add(record);
            }
            else
            {
                Evidence("duplicate", ref duplicatesShown, $"{record.Key} again by {outputs[process].Process} at {PrintedLine.FormatMs(record.PrintedMs)}");
            }

            if (record.PrintedMs < record.Key.DueMs)
            {
                early++;
                Evidence("early", ref earlyShown, $"{record.Key} printed at {PrintedLine.FormatMs(record.PrintedMs)} by {outputs[process].Process}");
            }

            redelivered += record.Redelivered ? 1 : 0;
        }

        // Across silos: the largest key each process printed at strictly earlier ms than the current group.
        var largestBefore = new Dictionary<int, MessageKey>();
        for (var start = 0; start < all.Count;)
        {
            var end = start;
            while (end < all.Count && all[end].Record.PrintedMs == all[start].Record.PrintedMs)
            {
                end++;
            }

            for (var k = start; k < end; k++)
            {
                var (process, index, record) = all[k];
                if (first[process][index] && largestBefore.Any(l => l.Key != process && l.Value > record.Key))
                {
                    across++;
                    var (other, larger) = largestBefore.First(l => l.Key != process && l.Value > record.Key);
                    Evidence("order across silos", ref acrossShown,
                        $"{outputs[process].Process} printed {record.Key} at {PrintedLine.FormatMs(record.PrintedMs)} after {outputs[other].Process} had printed {larger}");
                }
            }

            for (var k = start; k < end; k++)
            {
                var (process, index, record) = all[k];
                if (first[process][index] && (!largestBefore.TryGetValue(process, out var largest) || record.Key > largest))
                {
                    largestBefore[process] = record.Key;
                }
            }

            start = end;
        }

        // Within a silo: file order.
        long within = 0;
        for (var p = 0; p < outputs.Count; p++)
        {
            MessageKey? previous = null;
            for (var i = 0; i < outputs[p].Records.Count; i++)
            {
                if (!first[p][i])
                {
                    continue;
                }

                var key = outputs[p].Records[i].Key;
                if (previous is { } before && key < before)
                {
                    within++;
                    Evidence("order within silo", ref withinShown, $"{outputs[p].Process} printed {key} right after {before} (line {i + 1})");
                }

                previous = key;
            }
        }

        var acceptedSet = accepted as IReadOnlySet<MessageKey> ?? new HashSet<MessageKey>(accepted);
        var lostKeys = expectPrints ? acceptedSet.Where(k => !seen.Contains(k)).ToList() : [];
        evidence.AddRange(lostKeys.Order().Take(EvidenceKept).Select(k => $"lost: {k} (due {PrintedLine.FormatMs(k.DueMs)})"));
        foreach (var output in outputs.Where(o => o.Unparseable > 0))
        {
            evidence.AddRange(output.UnparseableSamples.Select(line => $"unparseable ({output.Process}): {line}"));
        }

        var integrity = new Integrity
        {
            Accepted = acceptedSet.Count,
            PrintedLines = all.Count,
            DistinctPrinted = seen.Count,
            Lost = expectPrints ? lostKeys.Count : null,
            Duplicates = all.Count - seen.Count,
            Redelivered = redelivered,
            OrderBreaksWithinSilo = within,
            OrderBreaksAcrossSilos = across,
            Early = early,
            PrintedNotAccepted = seen.Count(k => !acceptedSet.Contains(k)),
            Unparseable = outputs.Sum(o => o.Unparseable),
            Evidence = evidence,
        };
        return new PrintAnalysis(integrity, firstPrints);
    }

    /// <summary>How many of <paramref name="accepted"/> have printed at least once.</summary>
    public static long CountPrinted(IReadOnlySet<MessageKey> accepted, IReadOnlyList<ProcessOutput> outputs) =>
        outputs.SelectMany(o => o.Records).Select(r => r.Key).Where(accepted.Contains).Distinct().LongCount();
}
