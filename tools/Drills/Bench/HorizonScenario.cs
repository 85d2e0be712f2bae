using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// horizon: reminders spread over weeks. N messages with 32-character bodies, each due in a minute
/// of its own from ten minutes ahead (100 000 messages reach about 69 days out), sent in batches,
/// after a warm-up of 5 000 more in minutes beyond those.
/// It measures the accept rate, what Redis holds per message (used_memory delta, and MEMORY USAGE
/// of one minute's keys and of the index), the silos' resident memory before and after (a minute
/// far from due must need no grain activation), and how long a restart of the silos takes to be
/// ready with every one of those minutes pending. Nothing comes due, so nothing may print; the
/// store must hold exactly what was accepted (<see cref="StoreCheck"/>).
/// </summary>
public sealed class HorizonScenario : IScenario
{
    private const int WarmUpMessages = 5_000;

    public string Name => BenchScenarios.Horizon;

    public async Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var deployment = context.Deployment;
        var stats = context.Stats;
        var firstMinute = (ScenarioContext.NowMs / 60_000) + 10;

        // A freshly started silo first compiles its accept path: warm it up with the same shape of
        // request, in minutes beyond the measured ones, so the figures are those of a running silo.
        var warmUpCount = Math.Min(WarmUpMessages, options.HorizonMessages);
        var warmUp = await context.ScheduleAsync(
            [.. Enumerable.Range(0, warmUpCount).Select(i => (firstMinute + options.HorizonMessages + i) * 60_000)], cancellationToken);
        context.Log($"  warm-up: {warmUp.Accepted.Count} messages in minutes of their own after the measured ones (left out of the figures)");
        var usedBefore = await stats.UsedMemoryAsync();
        var rssBefore = deployment.Current.Sum(p => ResidentMegabytes(p.Pid));

        var dueTimes = Enumerable.Range(0, options.HorizonMessages)
            .Select(i => ((firstMinute + i) * 60_000) + context.Random.Next(60_000))
            .ToArray();
        context.Log($"  {dueTimes.Length} messages, each in its own minute, {options.HorizonMessages / 1440.0:0.#} days ahead at the last");
        var startedMs = ScenarioContext.NowMs;
        var tally = await context.ScheduleAsync(dueTimes, cancellationToken);
        var schedulingMs = Math.Max(1, ScenarioContext.NowMs - startedMs);

        var usedAfter = await stats.UsedMemoryAsync();
        var rssAfter = deployment.Current.Sum(p => ResidentMegabytes(p.Pid));
        var minute = (firstMinute + (options.HorizonMessages / 2)).ToString(CultureInfo.InvariantCulture);
        var listBytes = await stats.MemoryUsageAsync($"echo:{{s:{minute}}}:l");
        var metaBytes = await stats.MemoryUsageAsync($"echo:{{s:{minute}}}:m");
        var indexBytes = await IndexBytesAsync(stats);

        // A restart with every minute pending: the silos must not load or activate anything far off.
        await deployment.StopSilosAsync();
        var restartMs = ScenarioContext.NowMs;
        await deployment.StartSilosAsync(cancellationToken);
        var readyMs = deployment.Current.Max(p => p.ReadyAtMs) - restartMs;
        var rssRestarted = deployment.Current.Sum(p => ResidentMegabytes(p.Pid));

        var pending = Math.Max(1, tally.Accepted.Count);
        var figures = new Figures()
            .Add("horizonMessagesPerSecond", "accepted msg/s (a minute each, batches)", tally.Accepted.Count * 1000.0 / schedulingMs, 0)
            .Add("horizonUsedMemoryBytesPerMessage", "used_memory delta B / msg", (usedAfter - usedBefore) / (double)pending, 1)
            .Add("horizonListBytes", "one minute's list, MEMORY USAGE B", listBytes)
            .Add("horizonMetaBytes", "one minute's meta hash, MEMORY USAGE B", metaBytes)
            .Add("horizonIndexBytesPerMinute", "pending-slots index B / minute", indexBytes / (double)pending, 1)
            .Add("horizonSiloRssBeforeMb", "silos' RSS before MB", rssBefore)
            .Add("horizonSiloRssAfterMb", "silos' RSS after scheduling MB", rssAfter)
            .Add("horizonSiloRssRestartedMb", "silos' RSS after a restart MB", rssRestarted)
            .Add("horizonRestartReadyMs", "silo restart -> ready ms, all minutes pending", readyMs);
        LoadFigures.Add(figures, tally);

        // Nothing is due for minutes: any line printed is early; and the store must hold exactly what was accepted.
        var store = await StoreCheck.RunAsync(stats, [.. tally.Accepted, .. warmUp.Accepted]);
        context.Log($"  store: {store.Elements} elements in {store.Lists} minute lists for {tally.Accepted.Count + warmUp.Accepted.Count} accepted ids{(store.Holds ? "" : " — MISMATCH")}");
        figures.Add("storeLists", "store: minute lists", store.Lists);
        var analysis = PrintAnalysis.Analyze([.. tally.Accepted, .. warmUp.Accepted], ProcessOutput.Read(deployment.SiloInstances), expectPrints: false);
        return new ScenarioOutcome(figures, store.ApplyTo(analysis.Integrity));
    }

    /// <summary>
    /// The pending-slots index: its ZSET of hours and every hour's ZSET of minutes (src/Storage/PendingIndex.cs).
    /// </summary>
    private static async Task<long> IndexBytesAsync(RedisStats stats)
    {
        long bytes = 0;
        foreach (var key in (await stats.KeysAsync()).Where(k => k.StartsWith("echo:{slots}:h", StringComparison.Ordinal)))
        {
            bytes += await stats.MemoryUsageAsync(key);
        }

        return bytes;
    }

    private static long ResidentMegabytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return 0;
    }
}
