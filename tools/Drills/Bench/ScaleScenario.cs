using System.Globalization;
using System.Text.Json.Nodes;

namespace EchoAtTime.Bench;

/// <summary>
/// scale.spread / scale.hot: how accepted throughput grows with the number of silos when every silo
/// has the same fixed CPU share (a cgroup each, <c>--scale-quota</c> cores; Redis and this tool run
/// outside them). For each count of <c>--scale-silos</c>, in place of <c>--silos</c>, a fresh
/// deployment takes single <c>POST /echoAtTime</c> requests with 32-character messages
/// (<see cref="SingleRequestLoad"/>), round-robin over every silo's port, from
/// <see cref="BenchOptions.ScaleConnectionsPerSilo"/> connections per silo — enough to keep every
/// throttled silo busy — for a warm-up plus <c>--scale-seconds</c>. The workload
/// (<see cref="ScaleWorkload"/>) sets the due times, which start minutes after the load ends: nothing
/// prints, and the invariants are checked on the store (<see cref="StoreCheck"/>). Scaling efficiency
/// E(N) = T(N) / (N · T(1)), T the accepted rate, relative to the smallest count (1 by default).
/// </summary>
public sealed class ScaleScenario(string name, ScaleWorkload workload, BenchOptions options) : IScenario
{
    // The first due time is this long after the load ends, so nothing can print before the store is checked.
    private static readonly TimeSpan PrintHeadroom = TimeSpan.FromMinutes(2);

    // Accepted/s per silo on the smallest count (run first): the base of every efficiency.
    private double? _baselinePerSilo;

    public string Name => name;

    public IReadOnlyList<int> SiloCounts { get; } = [.. options.ScaleSilos.Distinct().Order()];

    public double? SiloCpuCores => options.ScaleQuota;

    public async Task<ScenarioOutcome> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var deployment = context.Deployment;
        var silos = deployment.Silos.Count;
        var connections = silos * options.ScaleConnectionsPerSilo;
        var due = workload.Window(ScenarioContext.NowMs + (long)(options.ScaleWarmUp + options.ScaleDuration + PrintHeadroom).TotalMilliseconds);
        context.Log($"  {workload.Name}: {workload.Description}, the first {(due.StartMs - ScenarioContext.NowMs) / 60_000.0:0.0} min ahead; "
            + $"{connections} connections, {options.ScaleQuota:0.###} core per silo, {options.ScaleWarmUp.TotalSeconds:0.#} s warm-up + {options.ScaleDuration.TotalSeconds:0.#} s");

        var commandsBefore = await context.Stats.CommandStatsAsync();

        // Started together, so the CPU window is the load's measured window to within a few ms.
        var measuring = CpuUsage.MeasureAsync([.. deployment.Current.Select(p => p.Pid)], deployment.StorePids, options.ScaleWarmUp, options.ScaleDuration, cancellationToken);
        var tally = await SingleRequestLoad.RunAsync(deployment.Urls, connections, options.ScaleWarmUp, options.ScaleDuration, due, context.Random.Next(), cancellationToken);
        var cpu = await measuring;

        // Over the whole load, warm-up included: how many messages each Redis call carried (the silos' group commit).
        var commands = (await context.Stats.CommandStatsAsync()).Since(commandsBefore);

        var rate = tally.MeasuredAccepted / tally.WindowSeconds;
        var perSilo = rate / silos;
        if (silos == SiloCounts[0])
        {
            _baselinePerSilo = perSilo;
        }

        var ideal = _baselinePerSilo is { } baseline ? baseline * silos : double.NaN;
        var efficiency = rate / ideal;
        var quotaUsed = cpu.SiloTotalSeconds / (silos * options.ScaleQuota * cpu.WallSeconds) * 100;
        context.Log($"  {rate:0} msg/s accepted ({perSilo:0} per silo, efficiency {efficiency:0.00}); silos used {quotaUsed:0}% of their quota; "
            + $"CPU % of a core: tool {cpu.PercentOfOneCore(cpu.ToolSeconds):0}, redis {cpu.PercentOfOneCore(cpu.RedisSeconds):0}, other {cpu.PercentOfOneCore(cpu.OtherSeconds):0}");

        var store = await StoreCheck.RunAsync(context.Stats, tally.Accepted);
        context.Log($"  store: {store.Elements} elements in {store.Lists} minute lists for {tally.Accepted.Count} accepted ids{(store.Holds ? "" : " — MISMATCH")}");
        if (tally.Rejected.GetValueOrDefault("connection error") is > 0 and var broken)
        {
            context.Note(string.Create(CultureInfo.InvariantCulture, $"{broken} requests ended in a connection error: a message of theirs may be stored without an answer"));
        }

        // Nothing is due for minutes: any line printed now was printed early.
        var printed = PrintAnalysis.Analyze(tally.Accepted, ProcessOutput.Read(deployment.SiloInstances), expectPrints: false);
        var figures = new Figures()
            .Add("acceptedPerSecond", "accepted/s (202, measured)", rate, 0)
            .Add("idealAcceptedPerSecond", "ideal N·T(1) accepted/s", ideal, 0)
            .Add("scalingEfficiency", "scaling efficiency T(N)/(N·T(1))", efficiency, 2)
            .Add("acceptedPerSecondPerSilo", "accepted/s per silo", perSilo, 0)
            .Add("siloCpuSecondsPer1000", "silo CPU s / 1000 accepted", cpu.SiloTotalSeconds / cpu.WallSeconds / rate * 1000, 3)
            .Add("siloQuotaUsedPercent", "silo CPU % of their quota", quotaUsed, 0)
            .AddJson("siloCpuPercentOfQuota", new JsonArray([.. cpu.SiloSeconds.Select(s => (JsonNode)Math.Round(s / (options.ScaleQuota * cpu.WallSeconds) * 100, 1))]))
            .Add("toolCpuPercent", "bench tool CPU % of a core", cpu.PercentOfOneCore(cpu.ToolSeconds), 0)
            .Add("redisCpuPercent", "redis CPU % of a core", cpu.PercentOfOneCore(cpu.RedisSeconds), 0)
            .Add("otherCpuPercent", "rest of the machine CPU % of a core", cpu.PercentOfOneCore(cpu.OtherSeconds), 0)
            .Add("redisCommandsPerMessage", "redis commands / accepted msg", commands.TotalCalls / (double)Math.Max(1, tally.Accepted.Count), 4)
            .AddJson("redisCommands", new JsonObject([.. commands.Commands.Where(c => c.Key != CommandStats.OwnCommand).OrderByDescending(c => c.Value.Calls)
                .Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value.Calls))]))
            .Add("quotaCoresPerSilo", "CPU quota per silo, cores", options.ScaleQuota, 3)
            .Add("connections", "connections (1 request in flight each)", connections);
        LoadFigures.Add(figures, tally);
        figures
            .Add("storeListElements", "store: list elements (must = accepted)", store.Elements)
            .Add("storeLists", "store: minute lists", store.Lists);
        return new ScenarioOutcome(figures, store.ApplyTo(printed.Integrity));
    }
}
