namespace EchoAtTime.Chaos;

/// <summary>
/// Turns what a run observed into figures. Every figure is defined here and in the README section;
/// the definitions are deliberately mechanical so that two runs can be compared.
/// </summary>
public static class ChaosAnalysis
{
    /// <summary>A kill's window never reaches further than this, so one stall is not blamed on a long-gone kill.</summary>
    public const long ResumeWindowCapMs = 15_000;

    /// <summary>A killed silo that printed within this long before dying was (likely) the one printing.</summary>
    public const long WasPrintingWithinMs = 1_000;

    private const int EvidencePerKind = 20;

    public static ChaosReport Analyze(ChaosOptions options, int seed, RunObservations run, bool workDirKept)
    {
        var evidence = new List<string>();
        var accepted = new Dictionary<string, AcceptedMessage>(StringComparer.Ordinal);
        var mismatched = 0L;
        foreach (var message in run.Accepted)
        {
            if (!accepted.TryAdd(message.Id, message))
            {
                mismatched++;
                AddEvidence(evidence, "mismatch", mismatched, $"id {message.Id} was answered for two messages: '{accepted[message.Id].Text}' and '{message.Text}'");
            }
        }

        var killed = run.Instances.Where(i => i.Ending == "killed").Select(i => i.Name).ToHashSet(StringComparer.Ordinal);

        // Each message's prints in print order; OrderBy is stable, so one process's lines keep their stdout order.
        var printsById = run.Lines
            .OrderBy(l => l.PrintedMs)
            .GroupBy(l => l.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var firstPrints = printsById.Values.Select(prints => prints[0]).ToList();

        mismatched += CountMismatched(run, accepted, evidence, mismatched);
        var printedNotAccepted = PrintedNotAccepted(run, accepted, printsById, evidence);
        var lost = CountLost(run, accepted, printsById, firstPrints, evidence);
        var duplicates = CountDuplicates(printsById, killed, evidence);
        var early = CountEarly(run.Lines, evidence);
        var orderBreaks = CountOrderBreaks(firstPrints, evidence);
        var disruptions = ResumeTimes(run, firstPrints);
        RejectionEvidence(run, evidence);
        var kills = disruptions.Where(d => d.Kind == "kill").ToList();
        var resumes = kills.Where(d => d.ResumeMs is not null).Select(d => d.ResumeMs!.Value).Order().ToArray();

        return new ChaosReport
        {
            Options = options,
            Seed = seed,
            WorkDir = run.WorkDir,
            WorkDirKept = workDirKept,
            StartedAtMs = run.StartedAtMs,
            SchedulingEndedAtMs = run.SchedulingEndedAtMs,
            LastDueMs = accepted.Count == 0 ? 0 : accepted.Values.Max(a => a.DueMs),
            DrainedAtMs = run.DrainedAtMs,
            WallSeconds = Math.Round((run.FinishedAtMs - run.BeganAtMs) / 1000.0, 1),
            LoadAverage = run.LoadAverage,
            Requests = run.Requests,
            PrintedLines = run.Lines.Count,
            PrintedMessages = printsById.Count,
            PrintedNotAccepted = printedNotAccepted,
            UnparseableLines = run.Unparseable.Count,
            Lost = lost,
            DuplicatesFlagged = duplicates.Flagged,
            DuplicatesUnflagged = duplicates.Unflagged,
            FlaggedRepeatsWithoutKill = duplicates.FlaggedWithoutKill,
            MaxRepeatsPerCrash = duplicates.MaxPerCrash,
            FlaggedFirstPrints = firstPrints.LongCount(p => p.Redelivered),
            OrderBreaks = orderBreaks,
            EarlyPrints = early,
            Mismatched = mismatched,
            Lateness = LatenessFigures.Of(firstPrints.Select(p => p.PrintedMs - p.DueMs).ToArray()),
            Kills = kills,
            RedisRestarts = [.. disruptions.Where(d => d.Kind == "redis")],
            ResumeP50Ms = resumes.Length == 0 ? 0 : LatenessFigures.Percentile(resumes, 0.50),
            ResumeMaxMs = resumes.Length == 0 ? 0 : resumes[^1],
            Crashes = run.Crashes,
            FailedStarts = run.FailedStarts,
            Instances = run.Instances,
            Evidence = [.. evidence, .. run.Unparseable.Take(EvidencePerKind).Select(u => $"unparseable stdout line from {u.Instance}: {u.Raw}")],
        };
    }

    private static long CountMismatched(RunObservations run, Dictionary<string, AcceptedMessage> accepted, List<string> evidence, long already)
    {
        var count = 0L;
        foreach (var line in run.Lines)
        {
            var problem = accepted.TryGetValue(line.Id, out var message)
                ? message.Text != line.Message || message.DueMs != line.DueMs
                    ? $"id {line.Id} was accepted as '{message.Text}' due {PrintedLine.FormatMs(message.DueMs)} but {line.Instance} printed {line.Raw}"
                    : null
                : !run.Unconfirmed.Contains(line.Message)
                    ? $"{line.Instance} printed a message this run never sent: {line.Raw}"
                    : null;
            if (problem is not null)
            {
                count++;
                AddEvidence(evidence, "mismatch", already + count, problem);
            }
        }

        return count;
    }

    /// <summary>Printed although the request got no 202: the store took the message, the answer was lost. Allowed; evidence says which request.</summary>
    private static long PrintedNotAccepted(
        RunObservations run, Dictionary<string, AcceptedMessage> accepted, Dictionary<string, List<PrintedLine>> printsById, List<string> evidence)
    {
        var rejectionByText = run.Rejections.SelectMany(r => r.Texts.Select(t => (Text: t, Rejection: r)))
            .GroupBy(x => x.Text, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Rejection, StringComparer.Ordinal);
        var count = 0L;
        foreach (var first in printsById.Values.Select(p => p[0]).Where(p => !accepted.ContainsKey(p.Id)).OrderBy(p => p.PrintedMs))
        {
            if (rejectionByText.TryGetValue(first.Message, out var rejection))
            {
                count++;
                AddEvidence(evidence, "printed though not accepted", count,
                    $"{first.Id} '{first.Message}' sent to {rejection.Target} at +{(rejection.SentAtMs - run.StartedAtMs) / 1000.0:F2} s, "
                    + $"answered {rejection.Reason} after {rejection.AnsweredAfterMs} ms, printed by {first.Instance} at {PrintedLine.FormatMs(first.PrintedMs)}");
            }
        }

        return count;
    }

    /// <summary>Lost: accepted (202) and printed by no process. Evidence names the nearest disruption and who printed the neighbours.</summary>
    private static long CountLost(
        RunObservations run,
        Dictionary<string, AcceptedMessage> accepted,
        Dictionary<string, List<PrintedLine>> printsById,
        List<PrintedLine> firstPrints,
        List<string> evidence)
    {
        var lost = accepted.Values.Where(a => !printsById.ContainsKey(a.Id)).OrderBy(a => a.DueMs).ToList();
        if (lost.Count == 0)
        {
            return 0;
        }

        var byKey = firstPrints.OrderBy(p => p.Key).ToList();
        var keys = byKey.Select(p => p.Key).ToList();
        foreach (var message in lost.Take(EvidencePerKind))
        {
            var seq = long.Parse(message.Id.AsSpan(message.Id.LastIndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture);
            var at = keys.BinarySearch((message.DueMs, seq));
            var index = at < 0 ? ~at : at;
            var before = index > 0 ? Describe(byKey[index - 1]) : "none";
            var after = index < byKey.Count ? Describe(byKey[index]) : "none";
            var disruption = run.Disruptions.LastOrDefault(d => d.AtMs <= message.DueMs);
            var near = disruption is null ? "no disruption before it" : $"{message.DueMs - disruption.AtMs} ms after {disruption.Kind} of {disruption.Killed}";
            evidence.Add($"lost: {message.Id} '{message.Text}' due {PrintedLine.FormatMs(message.DueMs)}, accepted via {message.Target} at "
                         + $"{PrintedLine.FormatMs(message.AcceptedAtMs)}, {near}; printed neighbour before: {before}; after: {after}");
        }

        return lost.Count;
    }

    private static (long Flagged, long Unflagged, long FlaggedWithoutKill, long MaxPerCrash) CountDuplicates(
        Dictionary<string, List<PrintedLine>> printsById, HashSet<string> killed, List<string> evidence)
    {
        long flagged = 0, unflagged = 0, withoutKill = 0;
        var perCrash = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var prints in printsById.Values.Where(p => p.Count > 1))
        {
            for (var k = 1; k < prints.Count; k++)
            {
                var repeat = prints[k];
                var earlierKilled = prints.Take(k).FirstOrDefault(p => killed.Contains(p.Instance));
                if (repeat.Redelivered)
                {
                    flagged++;
                    if (earlierKilled is null)
                    {
                        withoutKill++;
                    }
                    else
                    {
                        perCrash[earlierKilled.Instance] = perCrash.GetValueOrDefault(earlierKilled.Instance) + 1;
                    }
                }
                else
                {
                    unflagged++;
                    AddEvidence(evidence, "unflagged duplicate", unflagged,
                        $"{repeat.Id} printed again without the redelivered flag by {repeat.Instance}: {repeat.Raw}; earlier: "
                        + string.Join(" | ", prints.Take(k).Select(p => $"{p.Instance}: {p.Raw}")));
                }
            }
        }

        return (flagged, unflagged, withoutKill, perCrash.Count == 0 ? 0 : perCrash.Values.Max());
    }

    private static long CountEarly(IReadOnlyList<PrintedLine> lines, List<string> evidence)
    {
        var early = 0L;
        foreach (var line in lines.Where(l => l.PrintedMs < l.DueMs))
        {
            early++;
            AddEvidence(evidence, "early", early, $"{line.DueMs - line.PrintedMs} ms early by {line.Instance}: {line.Raw}");
        }

        return early;
    }

    /// <summary>
    /// All consoles merged by printedAt. A first print X is an order break when some message Y with a
    /// greater (dueAt, seq) was printed at a strictly earlier millisecond; each X counts once. Repeats
    /// are left out: they are counted as duplicates (flagged or not) instead. Prints within the same
    /// millisecond are not ordered by this tool (printedAt has ms resolution).
    /// </summary>
    private static long CountOrderBreaks(List<PrintedLine> firstPrints, List<string> evidence)
    {
        var byTime = firstPrints.OrderBy(p => p.PrintedMs).ToList();
        PrintedLine? greatest = null;
        var breaks = 0L;
        var i = 0;
        while (i < byTime.Count)
        {
            var ms = byTime[i].PrintedMs;
            var groupEnd = i;
            while (groupEnd < byTime.Count && byTime[groupEnd].PrintedMs == ms)
            {
                groupEnd++;
            }

            for (var k = i; k < groupEnd; k++)
            {
                if (greatest is not null && greatest.Key.CompareTo(byTime[k].Key) > 0)
                {
                    breaks++;
                    AddEvidence(evidence, "order break", breaks,
                        $"{byTime[k].Instance} printed {byTime[k].Raw} after {greatest.Instance} had printed {greatest.Raw}");
                }
            }

            for (var k = i; k < groupEnd; k++)
            {
                if (greatest is null || byTime[k].Key.CompareTo(greatest.Key) > 0)
                {
                    greatest = byTime[k];
                }
            }

            i = groupEnd;
        }

        return breaks;
    }

    /// <summary>
    /// For each disruption at k: the window is [k, min(next disruption, k + 15 s)) of print time;
    /// resume time = the longest wait after the kill, printedAt − max(dueAt, k), among the first
    /// prints in the window. Windows by print time (not due time) so that a message due just before
    /// the next kill and stalled by it is blamed on that kill, not on this one.
    /// </summary>
    private static List<Disruption> ResumeTimes(RunObservations run, List<PrintedLine> firstPrints)
    {
        var byPrint = firstPrints.OrderBy(p => p.PrintedMs).ToList();
        var printTimes = byPrint.Select(p => p.PrintedMs).ToList();
        var printTimesByInstance = run.Lines.GroupBy(l => l.Instance, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(l => l.PrintedMs).ToList(), StringComparer.Ordinal);
        var ordered = run.Disruptions.OrderBy(d => d.AtMs).ToList();
        var result = new List<Disruption>(ordered.Count);
        for (var n = 0; n < ordered.Count; n++)
        {
            var d = ordered[n];
            var end = Math.Min(n + 1 < ordered.Count ? ordered[n + 1].AtMs : long.MaxValue, d.AtMs + ResumeWindowCapMs);
            var from = LowerBound(printTimes, d.AtMs);
            var to = LowerBound(printTimes, end);
            PrintedLine? slowest = null;
            long longestWait = 0;
            for (var k = from; k < to; k++)
            {
                var wait = byPrint[k].PrintedMs - Math.Max(byPrint[k].DueMs, d.AtMs);
                if (slowest is null || wait > longestWait)
                {
                    (slowest, longestWait) = (byPrint[k], wait);
                }
            }

            var wasPrinting = d.Kind == "kill"
                              && printTimesByInstance.TryGetValue(d.Killed, out var times)
                              && times.Exists(t => t >= d.AtMs - WasPrintingWithinMs && t <= d.AtMs);
            result.Add(d with
            {
                AtSecond = Math.Round((d.AtMs - run.StartedAtMs) / 1000.0, 1),
                WasPrinting = wasPrinting,
                WindowEndMs = end,
                PrintedInWindow = to - from,
                RejectedInWindow = run.Rejections.Where(r => r.SentAtMs >= d.AtMs && r.SentAtMs < end).Sum(r => (long)r.Messages),
                ResumeMs = slowest is null ? null : longestWait,
                SlowestMessage = slowest is null ? "" : $"{slowest.Id} printed by {slowest.Instance} at {PrintedLine.FormatMs(slowest.PrintedMs)}",
            });
        }

        return result;
    }

    /// <summary>When and where requests were refused, in runs of the same reason and target (not a violation: context for the figures).</summary>
    private static void RejectionEvidence(RunObservations run, List<string> evidence)
    {
        // Requests of one reason less than a second apart form one episode.
        var episodes = new List<(Rejection First, Rejection Last, long Messages, SortedSet<string> Targets, long SlowestMs)>();
        foreach (var r in run.Rejections.OrderBy(r => r.SentAtMs))
        {
            if (episodes.Count > 0 && episodes[^1].First.Reason == r.Reason && r.SentAtMs - episodes[^1].Last.SentAtMs <= 1_000)
            {
                var e = episodes[^1];
                e.Targets.Add(r.Target);
                episodes[^1] = (e.First, r, e.Messages + r.Messages, e.Targets, Math.Max(e.SlowestMs, r.AnsweredAfterMs));
            }
            else
            {
                episodes.Add((r, r, r.Messages, new SortedSet<string>(StringComparer.Ordinal) { r.Target }, r.AnsweredAfterMs));
            }
        }

        foreach (var (first, last, messages, targets, slowestMs) in episodes.Take(EvidencePerKind))
        {
            evidence.Add($"rejected: {messages} message(s) sent at +{(first.SentAtMs - run.StartedAtMs) / 1000.0:F2}..+{(last.SentAtMs - run.StartedAtMs) / 1000.0:F2} s "
                         + $"to {string.Join(", ", targets)} answered {first.Reason} (slowest answer after {slowestMs} ms)");
        }
    }

    private static int LowerBound(List<long> sorted, long value)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static string Describe(PrintedLine line) => $"{line.Id} by {line.Instance} at {PrintedLine.FormatMs(line.PrintedMs)}";

    private static void AddEvidence(List<string> evidence, string kind, long countSoFar, string text)
    {
        if (countSoFar <= EvidencePerKind)
        {
            evidence.Add($"{kind}: {text}");
        }
    }
}
