using EchoAtTime.Chaos;
using System.Text.Json.Nodes;
using EchoAtTime.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// tools/Drills' bench verb with <c>--smoke</c> (every scenario, tiny sizes, one silo), run as the built process
/// exactly as tools/bench.sh runs it: it must exit 0 and its JSON report must carry every figure with
/// nothing lost or duplicated. No timing is asserted: figures on a shared 2-core machine are noise.
/// </summary>
public sealed class BenchSmokeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    private static readonly Dictionary<string, string[]> FiguresByScenario = new()
    {
        ["schedule.single"] = ["requestsPerSecond", "accepted", "notAccepted", "latencyMsP50", "latencyMsP99", "siloCpuSecondsPer1000", "redisCommandsPerMessage", "redisCommands", "printedPerSecond", "toolCpuPercentWhileSending", "latenessMsP99", "siloCpuUsecPerAccept", "siloBytesPerRequest", "siloWorkItemsPerRequest"],
        ["http.floor"] = ["requestsPerSecond", "siloCpuUsecPerRequest", "siloBytesPerRequest", "siloWorkItemsPerRequest", "requests", "notAccepted"],
        ["schedule.batch"] = ["messagesPerSecond", "accepted", "notAccepted", "latencyMsP50", "latencyMsP99", "siloCpuSecondsPer1000", "redisCommandsPerMessage", "redisCommands", "printedPerSecond", "toolCpuPercentWhileSending", "latenessMsP99", "siloCpuUsecPerAccept", "siloBytesPerRequest", "siloWorkItemsPerRequest"],
        ["memory"] = ["usedMemoryBytesPerMessage", "memoryUsageBytesPerMessage", "keysCreated", "accepted"],
        ["lateness.light"] = ["latenessMsP50", "latenessMsP99", "latenessMsMax", "early", "scheduledAheadMs"],
        ["lateness.idle"] = ["latenessMsP50", "latenessMsP99", "latenessMsMax", "early", "scheduledAheadMs"],
        ["burst"] = ["firstPrintAfterDueMs", "lastPrintAfterDueMs", "orderBreaks", "scheduledAheadMs"],
        ["horizon"] = ["horizonMessagesPerSecond", "horizonUsedMemoryBytesPerMessage", "horizonListBytes", "horizonMetaBytes", "horizonIndexBytesPerMinute", "horizonSiloRssAfterMb", "horizonRestartReadyMs", "accepted"],
        ["recurring"] = ["occurrencesPerSecond", "retimed", "schedules", "createMs", "latenessMsP50", "latenessMsP99", "latenessMsMax"],
        ["drain"] = ["messagesPerSecond", "startToFirstPrintMs", "restartToLastPrintMs", "orderBreaks", "stoppedBeforeFirstDue", "stopMs"],
    };

    private static readonly string[] IntegrityKeys = ["accepted", "lost", "duplicates", "redelivered", "orderBreaks", "early", "unparseable"];

    private static readonly string[] MachineKeys = ["cores", "cpuModel", "redisVersion", "dotnet", "appendfsync"];

    [Fact]
    public async Task The_smoke_run_exits_0_and_reports_every_figure_with_nothing_lost_or_duplicated()
    {
        var dir = Directory.CreateTempSubdirectory("echo-bench-smoke-").FullName;
        JsonObject json;
        try
        {
            var report = Path.Combine(dir, "bench-report.json");
            var (exitCode, stdout, stderr) = await RunBenchAsync("--smoke", "--silos", "1", "--report", report);
            output.WriteLine(stdout);
            output.WriteLine(stderr);
            Assert.True(exitCode == 0, $"the bench exited {exitCode}:\n{stdout}\n{stderr}");
            json = JsonNode.Parse(await File.ReadAllTextAsync(report))!.AsObject();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        Assert.True(json["passed"]!.GetValue<bool>());
        var machine = json["machine"]!.AsObject();
        Assert.All(MachineKeys, key => Assert.True(machine.ContainsKey(key), $"machine.{key} is missing"));
        var runs = json["runs"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(FiguresByScenario.Keys.Order(), runs.Select(r => r["scenario"]!.GetValue<string>()).Order());
        foreach (var run in runs)
        {
            var scenario = run["scenario"]!.GetValue<string>();
            var figures = run["figures"]!.AsObject();
            var integrity = run["integrity"]!.AsObject();
            Assert.Equal(1, run["silos"]!.GetValue<int>());
            Assert.All(FiguresByScenario[scenario], key => Assert.True(figures.ContainsKey(key), $"{scenario}: figures.{key} is missing"));
            Assert.All(IntegrityKeys, key => Assert.True(integrity.ContainsKey(key), $"{scenario}: integrity.{key} is missing"));
            if (scenario == "http.floor")
            {
                // It schedules nothing: every request is a 404, and each was answered so.
                Assert.Equal(0, integrity["accepted"]!.GetValue<long>());
                Assert.True(figures["requests"]!.GetValue<long>() > 0, "http.floor sent no request");
                Assert.Equal(0, figures["notAccepted"]!.GetValue<long>());
                Assert.True(figures["siloBytesPerRequest"]!.GetValue<double>() > 0, "http.floor read no allocation");
                Assert.True(figures["siloWorkItemsPerRequest"]!.GetValue<double>() > 0, "http.floor read no thread-pool work item");
            }
            else
            {
                Assert.True(integrity["accepted"]!.GetValue<long>() > 0, $"{scenario}: nothing was accepted");
            }

            Assert.Equal(0, integrity["duplicates"]!.GetValue<long>());
            Assert.Equal(0, integrity["orderBreaks"]!.GetValue<long>());
            Assert.Equal(0, integrity["early"]!.GetValue<long>());
            if (scenario is "memory" or "horizon")
            {
                // Nothing is due during these scenarios: nothing may print. memory cannot tell lost
                // (null); horizon checks the store, which must hold every accepted message.
                Assert.Equal(0, integrity["printedLines"]!.GetValue<long>());
                if (scenario == "memory")
                {
                    Assert.Null(integrity["lost"]);
                }
                else
                {
                    Assert.Equal(0, integrity["lost"]!.GetValue<long>());
                }
            }
            else
            {
                Assert.Equal(0, integrity["lost"]!.GetValue<long>());
            }
        }
    }

    // SIGTERM lets the bench stop the silos and the store it started; SIGKILL if it does not within the grace (then
    // its children may outlive it, but the test never hangs).
    private static Task<(int ExitCode, string Stdout, string Stderr)> RunBenchAsync(params string[] args) =>
        BuiltTool.RunAsync("Drills", RunTimeout, TimeSpan.FromSeconds(30), ["bench", .. args]);
}
