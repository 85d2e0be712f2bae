namespace EchoAtTime.Bench;

/// <summary>
/// memory: schedules N messages with 32-character bodies, due at least ten minutes ahead over a few
/// minutes (several slots), and measures what Redis holds for them while pending, two ways:
/// <c>INFO memory used_memory</c> after − before, and the sum of <c>MEMORY USAGE</c> over the keys the
/// scheduling created (found by <c>SCAN</c>), each divided by N. Nothing comes due, so nothing may print.
/// </summary>
public sealed class MemoryScenario : IScenario
{
    public string Name => BenchScenarios.Memory;

    public async Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var stats = context.Stats;
        var keysBefore = await stats.KeysAsync();
        var usedBefore = await stats.UsedMemoryAsync();

        var due = new DueWindow(ScenarioContext.NowMs + (long)options.MemoryAhead.TotalMilliseconds, (long)options.MemorySpread.TotalMilliseconds);
        var dueTimes = Enumerable.Range(0, options.MemoryMessages).Select(_ => due.Draw(context.Random)).ToArray();
        context.Log($"  {dueTimes.Length} messages due {options.MemoryAhead.TotalMinutes:0.#}-{(options.MemoryAhead + options.MemorySpread).TotalMinutes:0.#} min ahead");
        var startedMs = ScenarioContext.NowMs;
        var tally = await context.ScheduleAsync(dueTimes, cancellationToken);
        var schedulingMs = Math.Max(1, ScenarioContext.NowMs - startedMs);

        var usedAfter = await stats.UsedMemoryAsync();
        var created = (await stats.KeysAsync()).Except(keysBefore).Order(StringComparer.Ordinal).ToList();
        long keyBytes = 0;
        foreach (var key in created)
        {
            keyBytes += await stats.MemoryUsageAsync(key);
        }

        var pending = Math.Max(1, tally.Accepted.Count);
        context.Log($"  used_memory +{usedAfter - usedBefore} B, MEMORY USAGE of {created.Count} new keys {keyBytes} B");
        var figures = new Figures()
            .Add("usedMemoryBytesPerMessage", "used_memory delta B / pending msg", (usedAfter - usedBefore) / (double)pending, 1)
            .Add("memoryUsageBytesPerMessage", "MEMORY USAGE new keys B / msg", keyBytes / (double)pending, 1)
            .Add("keysCreated", "keys created", created.Count)
            .Add("usedMemoryBefore", "used_memory before B", usedBefore)
            .Add("usedMemoryAfter", "used_memory after B", usedAfter)
            .Add("schedulingMessagesPerSecond", "scheduling msg/s (batches)", tally.Accepted.Count * 1000.0 / schedulingMs, 0);
        LoadFigures.Add(figures, tally);

        // Nothing is due for minutes: any line printed now was printed early.
        var analysis = PrintAnalysis.Analyze(tally.Accepted, ProcessOutput.Read(context.Deployment.SiloInstances), expectPrints: false);
        return new ScenarioOutcome(figures, analysis.Integrity);
    }
}
