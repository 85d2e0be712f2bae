namespace EchoAtTime.Testing;

/// <summary>
/// The product's promises checked on what its consoles printed, with one definition for the tests,
/// the chaos tool and the bench: nothing accepted is lost, nothing printed twice without the
/// <c>redelivered</c> flag, nothing early (by the silo's clock, and by the reader's where known), and
/// the promised order (<see cref="OrderDefinition"/>).
/// </summary>
public static class Invariants
{
    public const string OrderDefinition =
        "The promised order is (dueMs, seq) of the id. Only the first print of each id counts (a later print is a repeat). "
        + "A first print X is one order break when some first print with a greater key was printed at a strictly earlier printedAt "
        + "(ms, any process; all processes read the same machine clock), or when the first print before X in X's own process's stdout "
        + "has a greater key. Each X counts once.";

    private const int EvidencePerKind = 20;

    /// <param name="lines">Every printed line; each process's lines in the order it wrote them (processes may
    /// interleave).</param>
    /// <param name="accepted">Every message answered 202; null: nothing counts as lost.</param>
    /// <param name="crashed">Processes that died without a graceful stop (kill -9, a crash): the ones whose work may be
    /// re-printed.</param>
    public static InvariantReport Check(IReadOnlyList<PrintedLine> lines, IEnumerable<MessageKey>? accepted = null, IReadOnlySet<string>? crashed = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var evidence = new Evidence();
        var byTime = Enumerable.Range(0, lines.Count).OrderBy(i => lines[i].PrintedMs).ToArray();
        var isFirst = new bool[lines.Count];
        var printsOf = new Dictionary<MessageKey, int>(lines.Count);
        var firstPrints = new List<PrintedLine>(lines.Count);
        long early = 0, earlyByReceipt = 0, flaggedFirst = 0;
        foreach (var i in byTime)
        {
            var line = lines[i];
            var count = printsOf.GetValueOrDefault(line.Key);
            printsOf[line.Key] = count + 1;
            if (count == 0)
            {
                isFirst[i] = true;
                firstPrints.Add(line);
                flaggedFirst += line.Redelivered ? 1 : 0;
            }

            if (line.PrintedMs < line.DueMs)
            {
                evidence.Add("early", ref early, $"{line.DueMs - line.PrintedMs} ms early: {line}");
            }

            if (line.ReceivedMs > 0 && line.ReceivedMs < line.DueMs)
            {
                evidence.Add("early by receipt", ref earlyByReceipt, $"received {line.DueMs - line.ReceivedMs} ms before due: {line}");
            }
        }

        var repeats = Repeats(lines, byTime, isFirst, printsOf, crashed, evidence);
        var orderBreaks = OrderBreaks(lines, byTime, isFirst, evidence);
        var acceptedSet = accepted?.ToHashSet();
        var lost = acceptedSet?.Where(k => !printsOf.ContainsKey(k)).Order().ToList() ?? [];
        foreach (var key in lost.Take(EvidencePerKind))
        {
            evidence.Add("lost", $"{key} (due {PrintedLine.FormatMs(key.DueMs)}) printed by no process");
        }

        return new InvariantReport
        {
            PrintedLines = lines.Count,
            PrintedMessages = printsOf.Count,
            FirstPrints = firstPrints,
            Lost = acceptedSet is null ? null : lost.Count,
            LostKeys = lost,
            PrintedNotAccepted = acceptedSet is null ? 0 : printsOf.Keys.LongCount(k => !acceptedSet.Contains(k)),
            FlaggedRepeats = repeats.Flagged,
            UnflaggedRepeats = repeats.Unflagged,
            FlaggedRepeatsWithoutCrash = repeats.WithoutCrash,
            MaxRepeatsPerCrash = repeats.MaxPerCrash,
            MaxBatchesRepeatedPerCrash = repeats.MaxBatchesPerCrash,
            FlaggedFirstPrints = flaggedFirst,
            Early = early,
            EarlyByReceipt = earlyByReceipt,
            OrderBreaks = orderBreaks,
            Evidence = evidence.Lines,
        };
    }

    /// <summary>
    /// As <see cref="Check(IReadOnlyList{PrintedLine}, IEnumerable{MessageKey}?, IReadOnlySet{string}?)"/> with the
    /// accepted ids as the API answered them.
    /// </summary>
    public static InvariantReport Check(IReadOnlyList<PrintedLine> lines, IEnumerable<string> acceptedIds, IReadOnlySet<string>? crashed = null) =>
        Check(lines, acceptedIds.Select(MessageKey.Parse), crashed);

    private static (long Flagged, long Unflagged, long WithoutCrash, long MaxPerCrash, long MaxBatchesPerCrash) Repeats(
        IReadOnlyList<PrintedLine> lines, int[] byTime, bool[] isFirst, Dictionary<MessageKey, int> printsOf, IReadOnlySet<string>? crashed, Evidence evidence)
    {
        long flagged = 0, unflagged = 0, withoutCrash = 0;
        var perCrash = new Dictionary<string, long>(StringComparer.Ordinal);

        // A printer stamps one printedAt on a whole batch: the distinct stamps a crash's repeats had at
        // their first print, per minute, are the batches it re-printed.
        var batchesPerCrash = new Dictionary<(string Instance, long Minute), HashSet<long>>();
        var earlier = new Dictionary<MessageKey, List<PrintedLine>>();
        foreach (var i in byTime.Where(i => printsOf[lines[i].Key] > 1))
        {
            var line = lines[i];
            if (!earlier.TryGetValue(line.Key, out var before))
            {
                earlier[line.Key] = before = [];
            }

            if (!isFirst[i])
            {
                var crashedBefore = before.FirstOrDefault(p => crashed?.Contains(p.Instance) == true);
                if (!line.Redelivered)
                {
                    evidence.Add("unflagged repeat", ref unflagged, $"{line} printed again without the flag; earlier: {string.Join(" | ", before)}");
                }
                else if (crashedBefore is null)
                {
                    flagged++;
                    evidence.Add("flagged repeat without a crash", ref withoutCrash, $"{line}; earlier: {string.Join(" | ", before)}");
                }
                else
                {
                    flagged++;
                    perCrash[crashedBefore.Instance] = perCrash.GetValueOrDefault(crashedBefore.Instance) + 1;
                    var minute = (crashedBefore.Instance, Math.DivRem(crashedBefore.DueMs, 60_000, out _));
                    if (!batchesPerCrash.TryGetValue(minute, out var stamps))
                    {
                        batchesPerCrash[minute] = stamps = [];
                    }

                    stamps.Add(crashedBefore.PrintedMs);
                }
            }

            before.Add(line);
        }

        return (flagged, unflagged, withoutCrash, perCrash.Count == 0 ? 0 : perCrash.Values.Max(),
            batchesPerCrash.Count == 0 ? 0 : batchesPerCrash.Values.Max(s => s.Count));
    }

    private static long OrderBreaks(IReadOnlyList<PrintedLine> lines, int[] byTime, bool[] isFirst, Evidence evidence)
    {
        var broken = new bool[lines.Count];
        var breaks = 0L;

        // Across processes: the greatest key printed at a strictly earlier millisecond.
        PrintedLine? greatest = null;
        for (var start = 0; start < byTime.Length;)
        {
            var end = start;
            while (end < byTime.Length && lines[byTime[end]].PrintedMs == lines[byTime[start]].PrintedMs)
            {
                end++;
            }

            var groupGreatest = greatest;
            for (var k = start; k < end; k++)
            {
                var i = byTime[k];
                if (!isFirst[i])
                {
                    continue;
                }

                if (greatest is not null && MessageKey.CompareOrder(lines[i].Key, greatest.Key) < 0)
                {
                    broken[i] = true;
                    evidence.Add("order break", ref breaks, $"{lines[i]} after {greatest}");
                }

                if (groupGreatest is null || MessageKey.CompareOrder(lines[i].Key, groupGreatest.Key) > 0)
                {
                    groupGreatest = lines[i];
                }
            }

            greatest = groupGreatest;
            start = end;
        }

        // Within a process: its own stdout order, which also orders prints of the same millisecond.
        var previous = new Dictionary<string, PrintedLine>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            if (!isFirst[i])
            {
                continue;
            }

            if (previous.TryGetValue(lines[i].Instance, out var before) && MessageKey.CompareOrder(lines[i].Key, before.Key) < 0 && !broken[i])
            {
                evidence.Add("order break", ref breaks, $"{lines[i]} right after {before} in its own stdout");
            }

            previous[lines[i].Instance] = lines[i];
        }

        return breaks;
    }

    /// <summary>The first <see cref="EvidencePerKind"/> examples of each kind.</summary>
    private sealed class Evidence
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines => _lines;

        public void Add(string kind, ref long count, string text)
        {
            if (++count <= EvidencePerKind)
            {
                _lines.Add($"{kind}: {text}");
            }
        }

        public void Add(string kind, string text) => _lines.Add($"{kind}: {text}");
    }
}
