using System.Text.Json;
using System.Text.Json.Nodes;

namespace EchoAtTime.Bench;

/// <summary>The report as JSON (camelCase keys, indented), for scripts and for comparing runs.</summary>
public static class BenchReportJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static JsonObject ToJson(BenchReport report)
    {
        var o = report.Options;
        var m = report.Machine;
        return new JsonObject
        {
            ["tool"] = "EchoAtTime.Bench",
            ["startedAt"] = report.StartedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["wallSeconds"] = Math.Round(report.WallSeconds, 1),
            ["passed"] = report.Passed,
            ["workDir"] = report.WorkDir,
            ["workDirKept"] = report.WorkDirKept,
            ["scalePicture"] = ScalePlot.Draws(report) ? ScalePlot.PathFor(report.Options.ReportPath) : null,
            ["machine"] = new JsonObject
            {
                ["cores"] = m.Cores,
                ["cpuModel"] = m.CpuModel,
                ["os"] = m.Os,
                ["dotnet"] = m.Dotnet,
                ["redisVersion"] = m.RedisVersion, // the store and its version: "redis 7.0.15" or "garnet 2.2.8"
                ["appendfsync"] = m.AppendFsync,
                ["loadAverageAtEnd"] = m.LoadAverage,
            },
            ["options"] = new JsonObject
            {
                ["silos"] = new JsonArray([.. o.SiloCounts.Select(n => (JsonNode)n)]),
                ["scenarios"] = new JsonArray([.. o.Scenarios.Select(s => (JsonNode)s)]),
                ["smoke"] = o.Smoke,
                ["durationSeconds"] = o.Duration.TotalSeconds,
                ["warmUpSeconds"] = o.WarmUp.TotalSeconds,
                ["connections"] = o.Connections,
                ["batchSize"] = o.BatchSize,
                ["batchConcurrency"] = o.BatchConcurrency,
                ["memoryMessages"] = o.MemoryMessages,
                ["latenessSeconds"] = o.LatenessDuration.TotalSeconds,
                ["burstMessages"] = o.BurstMessages,
                ["drainMessages"] = o.DrainMessages,
                ["scaleSilos"] = new JsonArray([.. o.ScaleSilos.Select(n => (JsonNode)n)]),
                ["scaleQuotaCoresPerSilo"] = o.ScaleQuota,
                ["scaleSeconds"] = o.ScaleDuration.TotalSeconds,
                ["scaleWarmUpSeconds"] = o.ScaleWarmUp.TotalSeconds,
                ["scaleConnectionsPerSilo"] = o.ScaleConnectionsPerSilo,
                ["appendfsync"] = o.AppendFsync,
                ["redisClusterMasters"] = o.RedisCluster,
                ["configuration"] = o.Configuration,
                ["seed"] = o.Seed,
            },
            ["definitions"] = new JsonObject
            {
                ["orderBreaks"] = Invariants.OrderDefinition,
                ["lateness"] = "printedAt - dueAt of the first print of each id, ms, both from the silo's json line (same machine clock).",
                ["early"] = "lines with printedAt < dueAt.",
                ["lost"] = "ids answered 202 that no silo printed; null where nothing is due during the scenario (memory); scale.*: ids answered 202 that name no element of the store (their minute's list echo:{s:<minute>}:l, index = seq, offset = due time).",
                ["storedNotAccepted"] = "scale.*: elements of the minute lists that no id answered 202 names; with lost = 0 and no id naming an element twice, the store holds exactly what was accepted.",
                ["duplicates"] = "printed lines beyond the first for an id.",
                ["cpuSecondsPer1000"] = "utime+stime delta from /proc/<pid>/stat over the phase (warm-up to last print) / accepted messages * 1000.",
                ["redisCommandsPerMessage"] = "INFO commandstats calls delta over the same phase, without the tool's own INFO, / accepted messages.",
                ["requestsPerSecond"] = "messages answered 202 inside the measured window (after the warm-up) / window seconds.",
                ["printedPerSecond"] = "first prints / (last - first printedAt): the print capacity when lateness grows, otherwise just the due rate.",
                ["toolCpuPercentWhileSending"] = "this tool's CPU while it sends, % of one core: what the load generator takes from the silos.",
                ["acceptedPerSecond"] = "scale.*: T(N), messages answered 202 inside the measured window / window seconds, N silos each in a CPU cgroup of scaleQuotaCoresPerSilo cores.",
                ["scalingEfficiency"] = "scale.*: E(N) = T(N) / (N * T(1)) = (T(N)/N) / (T(N0)/N0) for the smallest count N0 run (1 by default); idealAcceptedPerSecond = N * T(1).",
                ["siloQuotaUsedPercent"] = "scale.*: silo CPU seconds (sum, /proc/<pid>/stat) over the measured window / (N * quota * window): near 100 = the silos were the limit.",
                ["otherCpuPercent"] = "scale.*: busy CPU of the whole machine (/proc/stat) not used by the silos, Redis or this tool, % of one core: other load competing for the cores.",
            },
            ["runs"] = new JsonArray([.. report.Runs.Select(Run)]),
        };
    }

    public static async Task WriteAsync(BenchReport report, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        await File.WriteAllTextAsync(path, ToJson(report).ToJsonString(Indented));
    }

    private static JsonNode Run(ScenarioResult run)
    {
        var i = run.Integrity;
        return new JsonObject
        {
            ["scenario"] = run.Scenario,
            ["silos"] = run.Silos,
            ["passed"] = run.Passed,
            ["error"] = run.Error,
            ["wallSeconds"] = Math.Round(run.WallSeconds, 1),
            ["notes"] = new JsonArray([.. run.Notes.Select(n => (JsonNode)n)]),
            ["figures"] = run.Figures.ToJson(),
            ["integrity"] = new JsonObject
            {
                ["accepted"] = i.Accepted,
                ["printedLines"] = i.PrintedLines,
                ["distinctPrinted"] = i.DistinctPrinted,
                ["lost"] = i.Lost,
                ["duplicates"] = i.Duplicates,
                ["redelivered"] = i.Redelivered,
                ["orderBreaks"] = i.OrderBreaks,
                ["early"] = i.Early,
                ["printedNotAccepted"] = i.PrintedNotAccepted,
                ["storedNotAccepted"] = i.StoredNotAccepted,
                ["unparseable"] = i.Unparseable,
                ["evidence"] = new JsonArray([.. i.Evidence.Select(e => (JsonNode)e)]),
            },
        };
    }
}
