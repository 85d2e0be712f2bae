using System.Globalization;
using System.Text;

namespace EchoAtTime.Chaos;

/// <summary>The figures of a run as a plain-text table, for the console and test output.</summary>
public static class ReportTable
{
    private const int EvidenceShown = 40;

    public static string Format(ChaosReport report)
    {
        var o = report.Options;
        var r = report.Requests;
        var sb = new StringBuilder();
        sb.AppendLine(Invariant(
            $"chaos run: {o.Silos} silos{(o.Gateway ? " + gateway" : "")}, {o.Messages} messages over {o.Duration.TotalSeconds:0.#} s ")
            + Invariant($"({(o.Batch == 0 ? "single requests" : $"batches of {o.Batch}")}, {o.Concurrency} in flight), due {o.DueMin.TotalSeconds:0.#}-{o.DueMax.TotalSeconds:0.#} s ahead, ")
            + Invariant($"kill -9 {Every(o.KillEvery)}, redis restart {Every(o.RedisRestartEvery)}, store faults {Every(o.StoreFaults)}, clock steps {Every(o.ClockSteps)}, ")
            + Invariant($"{(o.RetryFor > TimeSpan.Zero ? $"keyed retries for {o.RetryFor.TotalSeconds:0.#} s" : "no retries")}, appendfsync {o.AppendFsync}, {o.Configuration}, seed {report.Seed}"));
        Row(sb, "wall time (s)", report.WallSeconds.ToString("0.0", CultureInfo.InvariantCulture),
            Invariant($"{Environment.ProcessorCount} cores, load average {report.LoadAverage}"));
        Row(sb, "requests / messages sent", $"{r.Requests} / {r.MessagesSent}", o.RetryFor > TimeSpan.Zero ? $"{r.Retries} retries with the same idempotency keys" : "");
        Row(sb, "accepted (202)", r.Accepted,
            string.Join(", ", r.AcceptedByTarget.Select(t => $"{t.Key} {t.Value}")) + (o.RetryFor > TimeSpan.Zero ? $"; {r.AcceptedOnRetry} on a retry" : ""));
        Row(sb, "202 latency ms p50 / p99 / max", $"{r.AcceptedLatency.P50} / {r.AcceptedLatency.P99} / {r.AcceptedLatency.Max}", $"{r.AcceptedLatency.Count} requests");
        Row(sb, "not accepted", r.NotAccepted, "no 202 at any attempt");
        Row(sb, "non-202 answers", r.Rejected, $"messages, per attempt: 503: {r.Unavailable}, connection: {r.ConnectionErrors}, timeout: {r.Timeouts}, other: {r.OtherStatus}");
        Row(sb, "printed lines", report.PrintedLines, $"{report.PrintedMessages} distinct ids");
        Row(sb, "printed though not accepted", report.PrintedNotAccepted, "allowed: the answer was lost, not the message");
        Row(sb, "LOST", report.Lost, "accepted, never printed");
        Row(sb, "duplicates flagged", report.DuplicatesFlagged,
            $"without a kill: {report.FlaggedRepeatsWithoutKill}; max per crash: {report.MaxRepeatsPerCrash} ({report.MaxBatchesRepeatedPerCrash} batch(es) in a minute); flagged first prints: {report.FlaggedFirstPrints}");
        Row(sb, "DUPLICATES UNFLAGGED", report.DuplicatesUnflagged);
        Row(sb, "ORDER BREAKS", report.OrderBreaks);
        if (report.Occurrences is { Schedules: > 0 } occ)
        {
            Row(sb, "occurrences printed", occ.Printed, $"of {occ.Expected} due by the end of scheduling, {occ.Schedules} schedule(s) '{o.ScheduleCron}'");
            Row(sb, "OCCURRENCES MISSING / UNDER TWO IDS", $"{occ.Missing} / {occ.UnderTwoIds}");
            Row(sb, "OCCURRENCES AFTER DELETE", occ.AfterDelete, "due after the DELETEs were answered");
        }

        Row(sb, "EARLY prints", report.EarlyPrints,
            Invariant($"received before due by this tool's clock: {report.EarlyByReceipt}; printedAt before due: {report.EarlyPrints - report.EarlyByReceipt}"));
        Row(sb, "MISMATCHED lines", report.Mismatched);
        Row(sb, "unparseable stdout lines", report.UnparseableLines);
        Row(sb, "lateness ms p50 / p99 / max", $"{report.Lateness.P50} / {report.Lateness.P99} / {report.Lateness.Max}", $"first print of {report.Lateness.Count} messages");
        Row(sb, "kills", report.Kills.Count, $"resume ms p50 {report.ResumeP50Ms}, max {report.ResumeMaxMs}");
        Row(sb, "availability after kills", Invariant($"{report.SurvivorUnavailableTotal} x 503"),
            Invariant($"by survivors within {ChaosAnalysis.AvailabilityWindowMs / 1000} s of a kill (max {report.SurvivorUnavailableMax} after one); print stall ms p50 {report.PrintStallP50Ms}, max {report.PrintStallMaxMs}"));
        Row(sb, "redis restarts", report.RedisRestarts.Count, Invariant($"ACCEPTED WHILE DOWN: {report.AcceptedWhileStoreDown}"));
        if (report.MasterFailovers.Count > 0)
        {
            var promoted = report.MasterFailovers.Select(d => d.BackReadyAfterMs ?? 0).Order().ToArray();
            Row(sb, "master failovers", report.MasterFailovers.Count,
                Invariant($"promoted after ms p50 {promoted[promoted.Length / 2]}, max {promoted[^1]}; accepted meanwhile {report.MasterFailovers.Sum(d => d.AcceptedWhileDown)}; ")
                + Invariant($"503 meanwhile {report.MasterFailovers.Sum(d => d.SurvivorUnavailable)}"));
        }

        if (report.Outages.Count > 0)
        {
            var outage = report.Outages[0];
            Row(sb, "outage", Invariant($"{outage.DownMs / 1000.0:0.0} s down"),
                Invariant($"first ready {outage.BackReadyAfterMs} ms after the start, first print after {outage.PrintStallMs} ms, backlog printed within {outage.ResumeMs} ms ({outage.PrintedInWindow} messages)"));
        }

        if (o.StoreFaults > TimeSpan.Zero)
        {
            Row(sb, "store faults", report.StoreFaults.Count(ChaosAnalysis.Injected),
                string.Join(", ", report.StoreFaultsByKind.Select(k => $"{k.Key} {k.Value}")) + "; by silo: "
                + string.Join(", ", report.StoreFaultsBySilo.Select(k => $"{k.Key} {k.Value}")));
        }

        if (o.ClockSteps > TimeSpan.Zero)
        {
            var left = report.ClockSteps.Where(c => c.LeftAfterMs is not null).Select(c => c.LeftAfterMs!.Value).Order().ToArray();
            Row(sb, "clock steps", report.ClockSteps.Count,
                Invariant($"+{ClockStepper.StepSeconds} s: {report.ClockSteps.Count(c => c.Seconds > 0)}, -{ClockStepper.StepSeconds} s: {report.ClockSteps.Count(c => c.Seconds < 0)}; ")
                + Invariant($"left {left.Length} (exit codes {string.Join(", ", report.ClockSteps.Where(c => c.ExitCode is not null).GroupBy(c => c.ExitCode).Select(g => $"{g.Key}: {g.Count()}"))})")
                + (left.Length > 0 ? Invariant($", after ms p50 {left[left.Length / 2]}, max {left[^1]}") : "")
                + "; by silo: " + string.Join(", ", report.ClockSteps.GroupBy(c => c.Node).Select(g => $"{g.Key} {g.Count()}")));
        }

        Row(sb, "crashes / failed starts", $"{report.Crashes} / {report.FailedStarts}");
        Row(sb, "verdict", report.Passed ? "PASS" : "FAIL", report.WorkDirKept ? $"work dir kept: {report.WorkDir}" : "");
        // Kills, Redis restarts, store faults and clock steps, in time order.
        var events = new List<(long AtMs, string Line)>();
        foreach (var d in report.Kills.Concat(report.RedisRestarts).Concat(report.MasterFailovers).Concat(report.Outages))
        {
            events.Add((d.AtMs, Invariant(
                $"  {d.Kind,-5} +{d.AtSecond,6:0.0} s {d.Killed,-10} pid {d.Pid,-7} printing: {(d.WasPrinting ? "yes" : "no "),-3} ")
                + Invariant($"back ready after {(d.BackReadyAfterMs is { } back ? $"{back} ms" : "never")}, ")
                + Invariant($"resume {(d.ResumeMs is { } resume ? $"{resume} ms" : "n/a")}, print stall {(d.PrintStallMs is { } stall ? $"{stall} ms" : "n/a")}, {d.SurvivorUnavailable} x 503 by others ")
                + Invariant($"({d.PrintedInWindow} printed, {d.RejectedInWindow} rejected in window{(d.SlowestMessage.Length > 0 ? $"; slowest {d.SlowestMessage}" : "")})")));
        }

        foreach (var f in report.StoreFaults)
        {
            events.Add((f.AtMs, f.Kind == StoreFault.Delay
                ? Invariant($"  delay +{f.AtSecond,6:0.0} s {f.Instance,-10} replies delayed {f.DelayMs} ms for {f.ForMs} ms")
                : Invariant($"  drop  +{f.AtSecond,6:0.0} s {f.Instance,-10} {f.Outcome}{(f.DroppedAtMs is { } at ? $" ({f.Command}, {at - f.AtMs} ms after arming)" : "")}")
                  + (f.Messages.Count > 0 ? Invariant($": {f.Messages.Count} message(s) stored, reply lost; {f.MessagesAccepted} accepted, {f.MessagesPrintedOnce} printed once") : "")));
        }

        foreach (var c in report.ClockSteps)
        {
            events.Add((c.AtMs, Invariant($"  clock +{c.AtSecond,6:0.0} s {c.Instance,-10} stepped {c.Seconds:+0;-0} s, ")
                + (c.LeftAfterMs is { } leftMs
                    ? Invariant($"left after {leftMs} ms (exit {c.ExitCode}), back ready after {(c.BackReadyAfterMs is { } back ? $"{back} ms as {c.RestartedAs}" : "never")}")
                    : "did not leave; clock set back")));
        }

        foreach (var (_, line) in events.OrderBy(e => e.AtMs))
        {
            sb.AppendLine(line);
        }

        if (report.Evidence.Count > 0)
        {
            sb.AppendLine(Invariant($"evidence ({Math.Min(report.Evidence.Count, EvidenceShown)} of {report.Evidence.Count}):"));
            foreach (var line in report.Evidence.Take(EvidenceShown))
            {
                sb.Append("  ").AppendLine(line);
            }
        }

        return sb.ToString();
    }

    private static string Every(TimeSpan interval) =>
        interval == TimeSpan.Zero ? "off" : Invariant($"every {interval.TotalSeconds:0.#} s");

    private static void Row(StringBuilder sb, string figure, long value, string note = "") =>
        Row(sb, figure, value.ToString(CultureInfo.InvariantCulture), note);

    private static void Row(StringBuilder sb, string figure, string value, string note = "") =>
        sb.AppendLine(Invariant($"  {figure,-30} {value,16}  {note}").TrimEnd());

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
