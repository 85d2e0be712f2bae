namespace EchoAtTime.Chaos;

/// <summary>
/// Turns what a run observed into figures. Every figure is defined here and in the README section;
/// the definitions are deliberately mechanical so that two runs can be compared.
/// </summary>
public static class ChaosAnalysis
{
    /// <summary>
    /// A kill's window never reaches further than this, so one stall is not blamed on a long-gone kill.
    /// </summary>
    public const long ResumeWindowCapMs = 15_000;

    /// <summary>A killed silo that printed within this long before dying was (likely) the one printing.</summary>
    public const long WasPrintingWithinMs = 1_000;

    /// <summary>The availability figure counts the 503s other nodes answered within this long after a kill.</summary>
    public const long AvailabilityWindowMs = 5_000;

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

        // A silo that left because its clock was stepped went as abruptly as a killed one.
        var killed = run.Instances.Where(i => i.Ending == "killed").Select(i => i.Name)
            .Concat(run.ClockSteps.Where(s => s.ExitCode is not null).Select(s => s.Instance))
            .ToHashSet(StringComparer.Ordinal);
        // Occurrences are accepted by the materialisers, not by a 202: their ids are known from what printed, and
        // OccurrenceCheck finds the missing ones. Repeats, order and earliness are checked over every line at once.
        var prefix = run.OccurrencePrefix;
        bool IsOccurrence(PrintedLine l) => prefix is not null && l.Message.StartsWith(prefix, StringComparison.Ordinal);
        var occurrenceIds = run.Lines.Where(IsOccurrence).Select(l => l.Key).ToHashSet();
        var invariants = Invariants.Check(run.Lines, accepted.Values.Select(a => MessageKey.Parse(a.Id)).Concat(occurrenceIds), killed);
        var occurrences = run.Schedules.Count == 0
            ? OccurrenceFigures.None
            : OccurrenceCheck.Check(options.ScheduleCron, run.Schedules, [.. run.Lines.Where(IsOccurrence)], run.SchedulingEndedAtMs, run.SchedulesDeletedAtMs, evidence);
        run = run with { Lines = [.. run.Lines.Where(l => !IsOccurrence(l))] };
        evidence.AddRange(invariants.Evidence.Where(e => !e.StartsWith("lost:", StringComparison.Ordinal)));

        // Each message's prints in print order; OrderBy is stable, so one process's lines keep their stdout order.
        var printsById = run.Lines
            .OrderBy(l => l.PrintedMs)
            .GroupBy(l => l.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var firstPrints = invariants.FirstPrints.ToList();

        mismatched += CountMismatched(run, accepted, evidence, mismatched);
        var printedNotAccepted = PrintedNotAccepted(run, accepted, printsById, evidence);
        LostEvidence(run, accepted, invariants.LostKeys, firstPrints, evidence);
        var disruptions = ResumeTimes(run, firstPrints);
        RejectionEvidence(run, evidence);
        var kills = disruptions.Where(d => d.Kind == "kill").ToList();
        var resumes = kills.Where(d => d.ResumeMs is not null).Select(d => d.ResumeMs!.Value).Order().ToArray();
        var stalls = kills.Where(d => d.PrintStallMs is not null).Select(d => d.PrintStallMs!.Value).Order().ToArray();
        var storeFaults = DroppedAppendOutcomes(run.StoreFaults.OrderBy(f => f.AtMs), accepted, run.Lines);
        StoreFaultEvidence(storeFaults, evidence);

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
            Lost = invariants.Lost ?? 0,
            Occurrences = occurrences,
            DuplicatesFlagged = invariants.FlaggedRepeats,
            DuplicatesUnflagged = invariants.UnflaggedRepeats,
            FlaggedRepeatsWithoutKill = invariants.FlaggedRepeatsWithoutCrash,
            MaxRepeatsPerCrash = invariants.MaxRepeatsPerCrash,
            MaxBatchesRepeatedPerCrash = invariants.MaxBatchesRepeatedPerCrash,
            FlaggedFirstPrints = invariants.FlaggedFirstPrints,
            OrderBreaks = invariants.OrderBreaks,
            EarlyPrints = invariants.Early + invariants.EarlyByReceipt,
            EarlyByReceipt = invariants.EarlyByReceipt,
            Mismatched = mismatched,
            Lateness = LatenessFigures.Of(firstPrints.Select(p => p.PrintedMs - p.DueMs).ToArray()),
            Kills = kills,
            RedisRestarts = [.. disruptions.Where(d => d.Kind == "redis").Select(d => d with { AcceptedWhileDown = AcceptedWhileDown(d, accepted.Values) })],
            MasterFailovers = [.. disruptions.Where(d => d.Kind == "master").Select(d => d with { AcceptedWhileDown = AcceptedWhileDown(d, accepted.Values) })],
            Outages = [.. disruptions.Where(d => d.Kind == "outage")],
            ResumeP50Ms = resumes.Length == 0 ? 0 : LatenessFigures.Percentile(resumes, 0.50),
            ResumeMaxMs = resumes.Length == 0 ? 0 : resumes[^1],
            SurvivorUnavailableTotal = kills.Sum(k => k.SurvivorUnavailable),
            SurvivorUnavailableMax = kills.Count == 0 ? 0 : kills.Max(k => k.SurvivorUnavailable),
            PrintStallP50Ms = stalls.Length == 0 ? 0 : LatenessFigures.Percentile(stalls, 0.50),
            PrintStallMaxMs = stalls.Length == 0 ? 0 : stalls[^1],
            StoreFaults = storeFaults,
            StoreFaultsByKind = Count(storeFaults.Select(StoreFaultKind)),
            StoreFaultsBySilo = Count(storeFaults.Where(Injected).Select(f => f.Node)),
            ClockSteps = [.. run.ClockSteps.OrderBy(s => s.AtMs)],
            Crashes = run.Crashes,
            FailedStarts = run.FailedStarts,
            Instances = run.Instances,
            Evidence = [.. evidence, .. run.Unparseable.Take(EvidencePerKind).Select(u => $"unparseable stdout line from {u.Instance}: {u.Raw}")],
        };
    }

    /// <summary>
    /// A line is mismatched when its id was accepted for another text or due time; when its text was
    /// accepted under another id (the request was retried with the same idempotency key, and the
    /// retry's 202 named an id other than the one printed: the key did not hold, the message is there
    /// twice); or when this run never sent its text.
    /// </summary>
    private static long CountMismatched(RunObservations run, Dictionary<string, AcceptedMessage> accepted, List<string> evidence, long already)
    {
        var acceptedByText = AcceptedByText(accepted);
        var count = 0L;
        foreach (var line in run.Lines)
        {
            var problem = accepted.TryGetValue(line.Id, out var message)
                ? message.Text != line.Message || message.DueMs != line.DueMs
                    ? $"id {line.Id} was accepted as '{message.Text}' due {PrintedLine.FormatMs(message.DueMs)} but {line.Instance} printed {line.Raw}"
                    : null
                : acceptedByText.TryGetValue(line.Message, out var other)
                    ? $"{line.Instance} printed '{line.Message}' as {line.Id}, but it was accepted (attempt {other.Attempt}, same idempotency key) as {other.Id}: {line.Raw}"
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

    /// <summary>
    /// Printed although no attempt of the request got a 202 (retries off or given up): the store took
    /// the message, the answer was lost. Allowed; evidence says which request. A message accepted by a
    /// retry is accepted (under the id its key was stored with), not counted here.
    /// </summary>
    private static long PrintedNotAccepted(
        RunObservations run, Dictionary<string, AcceptedMessage> accepted, Dictionary<string, List<PrintedLine>> printsById, List<string> evidence)
    {
        var acceptedByText = AcceptedByText(accepted);
        var rejectionByText = run.Rejections.SelectMany(r => r.Texts.Select(t => (Text: t, Rejection: r)))
            .GroupBy(x => x.Text, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Rejection, StringComparer.Ordinal);
        var count = 0L;
        foreach (var first in printsById.Values.Select(p => p[0]).Where(p => !accepted.ContainsKey(p.Id) && !acceptedByText.ContainsKey(p.Message)).OrderBy(p => p.PrintedMs))
        {
            if (rejectionByText.TryGetValue(first.Message, out var rejection))
            {
                count++;
                AddEvidence(evidence, "printed though not accepted", count,
                    $"{first.Id} '{first.Message}' sent to {rejection.Target} at +{(rejection.SentAtMs - run.StartedAtMs) / 1000.0:F2} s, "
                    + $"answered {rejection.Reason} after {rejection.AnsweredAfterMs} ms (attempt {rejection.Attempt}{(rejection.Retried ? ", retried" : "")}), printed by {first.Instance} at {PrintedLine.FormatMs(first.PrintedMs)}");
            }
        }

        return count;
    }

    /// <summary>
    /// Evidence for each lost message (accepted, printed by no process): the nearest disruption and who printed the
    /// neighbours.
    /// </summary>
    private static void LostEvidence(
        RunObservations run,
        Dictionary<string, AcceptedMessage> accepted,
        IReadOnlyList<MessageKey> lost,
        List<PrintedLine> firstPrints,
        List<string> evidence)
    {
        var byKey = firstPrints.OrderBy(p => p.Key).ToList();
        var keys = byKey.Select(p => p.Key).ToList();
        foreach (var key in lost.Take(EvidencePerKind))
        {
            var message = accepted.Values.First(a => MessageKey.Parse(a.Id) == key);
            var at = keys.BinarySearch(key);
            var index = at < 0 ? ~at : at;
            var before = index > 0 ? byKey[index - 1].ToString() : "none";
            var after = index < byKey.Count ? byKey[index].ToString() : "none";
            var disruption = run.Disruptions.LastOrDefault(d => d.AtMs <= message.DueMs);
            var near = disruption is null ? "no disruption before it" : $"{message.DueMs - disruption.AtMs} ms after {disruption.Kind} of {disruption.Killed}";
            evidence.Add($"lost: {message.Id} '{message.Text}' due {PrintedLine.FormatMs(message.DueMs)}, accepted via {message.Target} at "
                         + $"{PrintedLine.FormatMs(message.AcceptedAtMs)}, {near}; printed neighbour before: {before}; after: {after}");
        }
    }

    /// <summary>
    /// For each disruption at k: the window is [k, min(next disruption, k + 15 s)) of print time;
    /// resume time = the longest wait, printedAt − max(dueAt, j), among the first prints in the window,
    /// where j is the disruption before k (k itself for the first one and for an outage). Windows by
    /// print time (not due time) so that a message due just before the next kill and stalled by it is
    /// blamed on that kill, not on this one; waits from j so that a stall that began at j and outlasted
    /// k counts whole (blamed on k), instead of only its part after k.
    /// </summary>
    private static List<Disruption> ResumeTimes(RunObservations run, List<PrintedLine> firstPrints)
    {
        var byPrint = firstPrints.OrderBy(p => p.PrintedMs).ToList();
        var printTimes = byPrint.Select(p => p.PrintedMs).ToList();
        var printTimesByInstance = run.Lines.GroupBy(l => l.Instance, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(l => l.PrintedMs).ToList(), StringComparer.Ordinal);
        var allLines = run.Lines.OrderBy(l => l.PrintedMs).ToList();
        var allLineTimes = allLines.Select(l => l.PrintedMs).ToList();
        var ordered = run.Disruptions.OrderBy(d => d.AtMs).ToList();
        var result = new List<Disruption>(ordered.Count);
        for (var n = 0; n < ordered.Count; n++)
        {
            var d = ordered[n];
            // An outage's window runs until the next disruption: its backlog may take longer than the cap to print.
            var end = Math.Min(n + 1 < ordered.Count ? ordered[n + 1].AtMs : long.MaxValue, d.Kind == "outage" ? long.MaxValue : d.AtMs + ResumeWindowCapMs);
            var from = LowerBound(printTimes, d.AtMs);
            var to = LowerBound(printTimes, end);
            PrintedLine? slowest = null;
            long longestWait = 0;
            // A wait is counted from the previous disruption on: a stall that began with it and outlasted the
            // next one shows whole (from this one on only, one longer than the gap between kills would never show).
            var waitsFrom = d.Kind != "outage" && n > 0 && ordered[n - 1].Kind != "outage" ? ordered[n - 1].AtMs : d.AtMs;
            for (var k = from; k < to; k++)
            {
                var wait = byPrint[k].PrintedMs - Math.Max(byPrint[k].DueMs, waitsFrom);
                if (slowest is null || wait > longestWait)
                {
                    (slowest, longestWait) = (byPrint[k], wait);
                }
            }

            var wasPrinting = d.Kind == "kill"
                              && printTimesByInstance.TryGetValue(d.Killed, out var times)
                              && times.Exists(t => t >= d.AtMs - WasPrintingWithinMs && t <= d.AtMs);
            // Availability: the other nodes' 503s right after it, and how long until another process printed anything.
            var killedNode = NodeOf(d.Killed);
            long? stall = null;
            for (var k = LowerBound(allLineTimes, d.AtMs); k < allLines.Count && allLines[k].PrintedMs < d.AtMs + ResumeWindowCapMs; k++)
            {
                if (allLines[k].Instance != d.Killed)
                {
                    stall = allLines[k].PrintedMs - d.AtMs;
                    break;
                }
            }

            result.Add(d with
            {
                SurvivorUnavailable = run.Rejections.LongCount(r => r.Reason == "503" && r.Target != killedNode
                                                                  && r.AnsweredAtMs >= d.AtMs && r.AnsweredAtMs < d.AtMs + AvailabilityWindowMs),
                PrintStallMs = stall,
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

    /// <summary>
    /// 202s to requests sent after Redis was killed and answered before it was back: the store could not have held
    /// them.
    /// </summary>
    private static long AcceptedWhileDown(Disruption redis, IEnumerable<AcceptedMessage> accepted) =>
        redis.BackReadyAfterMs is { } back
            ? accepted.LongCount(a => a.SentAtMs >= redis.AtMs && a.AcceptedAtMs < redis.AtMs + back)
            : 0;

    /// <summary>
    /// When and where requests were refused, in runs of the same reason and target (not a violation: context for the
    /// figures).
    /// </summary>
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

    /// <summary>
    /// For each dropped append: how many of its messages (which Redis stored, though the silo never
    /// saw the reply) ended accepted — by a retry with the same key — and printed exactly once.
    /// </summary>
    private static List<StoreFault> DroppedAppendOutcomes(IEnumerable<StoreFault> faults, Dictionary<string, AcceptedMessage> accepted, IReadOnlyList<PrintedLine> lines)
    {
        var acceptedTexts = accepted.Values.Select(a => a.Text).ToHashSet(StringComparer.Ordinal);
        var linesByText = lines.GroupBy(l => l.Message, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return [.. faults.Select(f => f.Messages.Count == 0 ? f : f with
        {
            MessagesAccepted = f.Messages.Count(acceptedTexts.Contains),
            MessagesPrintedOnce = f.Messages.Count(t => linesByText.GetValueOrDefault(t) == 1),
        })];
    }

    /// <summary>Each store fault, for the evidence: where it went and what it did (context, not a violation).</summary>
    private static void StoreFaultEvidence(List<StoreFault> faults, List<string> evidence)
    {
        foreach (var f in faults.Where(f => f.Kind == StoreFault.ReplyDrop && f.Outcome != "never matched").Take(EvidencePerKind))
        {
            evidence.Add($"store fault: reply dropped at +{f.AtSecond:0.0} s on {f.Instance}: {f.Outcome}, "
                         + $"{(f.DroppedAtMs is { } at ? $"{at - f.AtMs} ms after arming, " : "")}{f.Command}: {f.CommandText}"
                         + (f.Messages.Count > 0 ? $"; its {f.Messages.Count} message(s): {f.MessagesAccepted} accepted, {f.MessagesPrintedOnce} printed once ({string.Join(", ", f.Messages.Take(5))})" : ""));
        }
    }

    private static string StoreFaultKind(StoreFault f) => f.Kind == StoreFault.Delay
        ? StoreFault.Delay
        : f.Outcome switch
        {
            "dropped" => $"{StoreFault.ReplyDrop} {f.Command}",
            "never matched" => $"{StoreFault.ReplyDrop} never matched",
            _ => $"{StoreFault.ReplyDrop} failed",
        };

    /// <summary>
    /// Took effect: a delay, or a drop whose command came (the connection was reset, whether or not Redis confirmed).
    /// </summary>
    public static bool Injected(StoreFault f) => f.Kind == StoreFault.Delay || f.Outcome != "never matched";

    private static SortedDictionary<string, long> Count(IEnumerable<string> keys)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    /// <summary>Texts are unique per run, so a text names one message; with retries, its one accepted id.</summary>
    private static Dictionary<string, AcceptedMessage> AcceptedByText(Dictionary<string, AcceptedMessage> accepted)
    {
        var byText = new Dictionary<string, AcceptedMessage>(StringComparer.Ordinal);
        foreach (var message in accepted.Values)
        {
            byText.TryAdd(message.Text, message);
        }

        return byText;
    }

    /// <summary><c>silo-2#1</c> → <c>silo-2</c>: the node a process played (requests are addressed to nodes).</summary>
    private static string NodeOf(string instance)
    {
        var hash = instance.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? instance : instance[..hash];
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

    private static void AddEvidence(List<string> evidence, string kind, long countSoFar, string text)
    {
        if (countSoFar <= EvidencePerKind)
        {
            evidence.Add($"{kind}: {text}");
        }
    }
}
