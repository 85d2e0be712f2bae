using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// drain: N messages (batch API) due over the next ~10 s; every silo is stopped (SIGTERM) before the
/// first is due; once all are overdue (+1 s) the silos start again and must catch up. Figures:
/// messages/s = N / (last printedAt − first printedAt), silo start to first print, restart to last
/// print, order breaks (the catch-up must keep the order too).
/// </summary>
public sealed class DrainScenario : IScenario
{
    // Assumed slowest scheduling rate, to place the due window after scheduling and the stop.
    private const int AssumedMessagesPerSecond = 25_000;

    public string Name => BenchScenarios.Drain;

    public async Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var deployment = context.Deployment;
        var n = options.DrainMessages;
        var due = new DueWindow(
            ScenarioContext.NowMs + (long)options.DrainStopAllowance.TotalMilliseconds + n * 1000L / AssumedMessagesPerSecond,
            (long)options.DrainWindow.TotalMilliseconds);
        var dueTimes = Enumerable.Range(0, n).Select(_ => due.Draw(context.Random)).ToArray();
        var firstDueMs = dueTimes.Min();
        context.Log($"  {n} messages due {(firstDueMs - ScenarioContext.NowMs) / 1000.0:0.0}-{(due.EndMs - ScenarioContext.NowMs) / 1000.0:0.0} s ahead");
        var tally = await context.ScheduleAsync(dueTimes, cancellationToken);

        context.Log($"  {tally.Accepted.Count} accepted; stopping the silos (SIGTERM) {(firstDueMs - ScenarioContext.NowMs) / 1000.0:0.0} s before the first due time");
        var stoppingAtMs = ScenarioContext.NowMs;
        await deployment.StopSilosAsync();
        var stoppedAtMs = ScenarioContext.NowMs;
        var printedBeforeStop = new LineCounter().Count(deployment.SiloInstances.Select(p => p.StdoutPath!));
        var stoppedInTime = stoppedAtMs < firstDueMs && printedBeforeStop == 0;
        if (!stoppedInTime)
        {
            context.Note(string.Create(CultureInfo.InvariantCulture,
                $"the silos were not down before the first due time (stopped {stoppedAtMs - firstDueMs} ms after it, {printedBeforeStop} printed): the drain figures are not a clean catch-up"));
        }

        var lastDueMs = tally.Accepted.Count > 0 ? tally.Accepted.Max(k => k.DueMs) : due.EndMs;
        context.Log($"  all down after {stoppedAtMs - stoppingAtMs} ms; restarting once every message is overdue, in {(lastDueMs + 1_000 - ScenarioContext.NowMs) / 1000.0:0.0} s");
        await Conditions.DelayUntilAsync(TimeProvider.System, lastDueMs + 1_000, cancellationToken);
        var restartMs = ScenarioContext.NowMs;
        await deployment.StartSilosAsync(cancellationToken);
        var readyMs = deployment.Current.Max(p => p.ReadyAtMs);
        var analysis = await PrintWaiter.WaitAsync(deployment, tally.Accepted, PrintWaiter.DeadlineAfter(restartMs, n), context.Log, cancellationToken);

        var prints = analysis.FirstPrints;
        var (firstPrintMs, lastPrintMs) = prints.Count > 0 ? (prints.Min(p => p.PrintedMs), prints.Max(p => p.PrintedMs)) : (0L, 0L);
        var figures = new Figures()
            .Add("messages", "messages", n)
            .Add("stoppedBeforeFirstDue", "silos down before first due", stoppedInTime)
            .Add("stopMs", "SIGTERM -> all silos exited ms", stoppedAtMs - stoppingAtMs)
            .Add("stoppedAheadMs", "stopped ahead of first due ms", firstDueMs - stoppedAtMs)
            .Add("downtimeSeconds", "downtime s", (restartMs - stoppedAtMs) / 1000.0, 1)
            .Add("messagesPerSecond", "catch-up msg/s (N / first..last print)", prints.Count * 1000.0 / Math.Max(1, lastPrintMs - firstPrintMs), 0)
            .Add("startToReadyMs", "silo start -> ready ms", readyMs - restartMs)
            .Add("startToFirstPrintMs", "silo start -> first print ms", prints.Count > 0 ? firstPrintMs - restartMs : -1)
            .Add("restartToLastPrintMs", "silo start -> last print ms", prints.Count > 0 ? lastPrintMs - restartMs : -1)
            .Add("orderBreaks", "order breaks", analysis.Integrity.OrderBreaks);
        LoadFigures.Add(figures, tally);
        return new ScenarioOutcome(figures, analysis.Integrity);
    }
}
