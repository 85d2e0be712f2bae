using System.Diagnostics;
using System.Net.Sockets;

namespace EchoAtTime.Bench;

/// <summary>
/// Runs every chosen scenario once per silo count (<c>--silos</c>, or the scenario's own), each on a
/// deployment of its own (fresh redis-server, fresh silos) so that no run's data, activations or AOF
/// weigh on the next one.
/// </summary>
public sealed class BenchRun(BenchOptions options, Action<string> log)
{
    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var siloDll = BuiltService.Dll(BuiltService.Silo, options.Configuration, options.RepositoryRoot);

        var workDir = options.WorkDir ?? Path.Combine(Path.GetTempPath(), $"echo-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(workDir);
        log($"bench: seed {options.Seed}, work dir {workDir}, {options.Configuration} silo {siloDll}");
        var random = new Random(options.Seed);
        var ports = new LoopbackPorts(new Random(random.Next()));
        var redisVersion = "unknown";
        var runs = new List<ScenarioResult>();
        using var batches = new BatchLoad();
        foreach (var name in options.Scenarios)
        {
            // One instance across its silo counts: the scale scenario relates each count to the first.
            var scenario = BenchScenarios.Create(name, options);
            foreach (var silos in scenario.SiloCounts ?? options.SiloCounts)
            {
                var dir = Path.Combine(workDir, $"{name}-{silos}silo");
                log($"bench: {name} on {silos} silo{(silos == 1 ? "" : "s")} (load average {MachineInfo.LoadAverageNow()})");
                var result = await RunOneAsync(scenario, silos, dir, siloDll, ports, batches, new Random(random.Next()), cancellationToken);
                redisVersion = result.RedisVersion ?? redisVersion;
                runs.Add(result.Result);
                var integrity = result.Result.Integrity;
                log($"  {(result.Result.Passed ? "ok" : "FAILED")}: {integrity.Accepted} accepted, {integrity.DistinctPrinted} printed, lost {integrity.Lost?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "n/a"}, "
                    + $"duplicates {integrity.Duplicates}, order breaks {integrity.OrderBreaks}, early {integrity.Early} ({result.Result.WallSeconds:0.0} s){(result.Result.Error is { } error ? ": " + error : "")}");
                if (result.Result.Passed && !options.Keep)
                {
                    TryDelete(dir);
                }
            }
        }

        // A failed run keeps its files: the silos' stdout and stderr are the evidence.
        var report = new BenchReport(options, MachineInfo.Read(redisVersion, options.AppendFsync), runs, startedAt, clock.Elapsed.TotalSeconds, workDir, WorkDirKept: true);
        if (!options.Keep && report.Passed && options.WorkDir is null)
        {
            TryDelete(workDir);
            report = report with { WorkDirKept = false };
        }

        return report;
    }

    /// <summary>The tool's own socket tuning (see Program.cs); never passed on to a silo.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    // No load balancer sits in front of the benchmark's silos, so the readiness drain on SIGTERM (2 s by default)
    // would only stretch every stop, and the drain scenario's stop must land before the first message is due.
    private static readonly string[] SiloArgs = ["--Echo:ShutdownDrainDelay=00:00:00"];

    private async Task<(ScenarioResult Result, string? RedisVersion)> RunOneAsync(
        IScenario scenario, int silos, string dir, string siloDll, LoopbackPorts ports, BatchLoad batches, Random random, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? redisVersion = null;
        await using var deployment = new Deployment(new DeploymentPlan(siloDll)
        {
            Name = "bench",
            Silos = silos,
            RedisCluster = options.RedisCluster,
            AppendFsync = options.AppendFsync,
            ExtraArgs = SiloArgs,
            Unset = [InlineCompletionsVariable],
            SiloCpuCores = scenario.SiloCpuCores,
            // Stdout straight to a file: at 100k+ lines/s a reader that fell behind would fill the pipe and block the
            // silo's writes, throttling exactly what is measured.
            Stdout = StdoutHandling.File,
            WorkDir = dir,
            Ports = ports,
        });
        RedisStats? stats = null;
        try
        {
            await deployment.StartAsync(cancellationToken);
            stats = await RedisStats.ConnectAsync([.. deployment.StoreNodes.Select(n => n.Port)]);
            redisVersion = await stats.VersionAsync();
            var context = new ScenarioContext(options, deployment, stats, batches, random, log);
            var outcome = await scenario.RunAsync(context, cancellationToken);
            return (new ScenarioResult(scenario.Name, silos, outcome.Figures, outcome.Integrity, context.Notes, clock.Elapsed.TotalSeconds), redisVersion);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or InvalidDataException or HttpRequestException or IOException or SocketException)
        {
            return (new ScenarioResult(scenario.Name, silos, new Figures(), new Integrity(), [], clock.Elapsed.TotalSeconds) { Error = ex.Message }, redisVersion);
        }
        finally
        {
            await deployment.StopAsync();
            if (stats is not null)
            {
                await stats.DisposeAsync();
            }
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under the temp dir.
        }
    }
}
