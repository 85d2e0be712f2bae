using System.Globalization;

namespace EchoAtTime.Chaos;

/// <summary>
/// One chaos run: start a private Redis, N silos and the gateway; schedule the messages through the
/// HTTP API while silos (and optionally Redis) are <c>kill -9</c>ed and restarted on a cadence, and
/// optionally faults are injected into the silos' Redis connections (<c>--store-faults</c>); keep
/// going until everything accepted is due; wait until it has all printed (or the drain timeout);
/// stop everything; analyse every process's stdout. Callable in-process (the test suite does).
/// </summary>
public sealed class ChaosRun
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);

    private readonly ChaosOptions _options;
    private readonly Action<string> _log;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly List<Disruption> _disruptions = [];
    private long _crashes;

    /// <param name="options">What to do.</param>
    /// <param name="log">Progress lines (stderr for the command line, test output for the suite).</param>
    /// <param name="clock">The wall clock; it must be the silos' clock, since kills are compared with their
    /// <c>printedAt</c>.</param>
    public ChaosRun(ChaosOptions options, Action<string>? log = null, TimeProvider? clock = null)
    {
        options.Validate();
        _options = options;
        _log = log ?? (_ => { });
        _clock = clock ?? TimeProvider.System;
    }

    public async Task<ChaosReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var seed = _options.Seed ?? Random.Shared.Next();
        var random = new Random(seed);
        var root = BuiltService.RepositoryRoot(_options.RepositoryRoot);
        var siloDll = BuiltService.Dll(BuiltService.Silo, _options.Configuration, root);
        var gatewayDll = _options.Gateway ? BuiltService.Dll(BuiltService.Gateway, _options.Configuration, root) : "";
        var workDir = _options.WorkDir ?? Directory.CreateTempSubdirectory("echo-chaos-").FullName;
        Directory.CreateDirectory(workDir);
        var runTag = seed.ToString("x8", CultureInfo.InvariantCulture);
        _log($"chaos: seed {seed}, work dir {workDir}, {_options.Configuration} build under {root}");

        var printed = new PrintedLines(_clock);
        var beganAtMs = NowMs;
        var startedAtMs = beganAtMs;
        long schedulingEndedAtMs = 0, drainedAtMs = 0;
        var loadAtStart = "";
        RunObservations observations;
        await using (var deployment = new Deployment(new DeploymentPlan(siloDll)
               {
                   Name = "chaos",
                   Silos = _options.Silos,
                   GatewayDll = _options.Gateway ? gatewayDll : null,
                   RedisCluster = _options.RedisCluster,
                   ClusterReplicas = _options.ClusterReplicas,
                   AppendFsync = _options.AppendFsync,
                   ExtraArgs = [.. _options.Settings.Select(s => $"--{s.Key}={s.Value}")],
                   StoreProxies = _options.StoreFaults > TimeSpan.Zero,
                   Faketime = _options.ClockSteps > TimeSpan.Zero ? Faketime.RequireLibrary("--clock-steps (run without it, or install it)") : null,
                   OnPrinted = printed.Add,
                   WorkDir = workDir,
                   StartTimeout = _options.StartTimeout,
                   Ports = new LoopbackPorts(new Random(random.Next())),
               }))
        using (var load = new LoadGenerator(_options, deployment.Targets,
                   new DuePlanner(new Random(random.Next()), _options.DueMin, _options.DueMax, _options.SharedDue), runTag, _clock))
        using (var chaos = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var storeFaults = new StoreFaultInjector(_options, deployment.Silos, new Random(random.Next()), runTag, _clock, _log);
            var clockSteps = new ClockStepper(_options, deployment, new Random(random.Next()), _clock, _log);
            var schedules = new ScheduleLoad(_options, deployment.Targets, runTag, _clock, _log);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var chaosTasks = new List<Task>();
            try
            {
                await deployment.StartAsync(cancellationToken);
                _log($"chaos: {(deployment.Cluster is null ? deployment.Redis.Kind.ToString().ToLowerInvariant() : $"redis cluster ({_options.RedisCluster} masters, {_options.ClusterReplicas} replica(s) each)")} :{deployment.Redis.Port} (appendfsync {_options.AppendFsync}), "
                     + string.Join(", ", deployment.Targets.Select(t => $"{t.Name} {t.Endpoints}")) + " ready");
                if (_options.StoreFaults > TimeSpan.Zero)
                {
                    _log($"chaos: store faults every {_options.StoreFaults.TotalSeconds:0.#} s; Redis proxies: "
                         + string.Join(", ", deployment.Targets.Select(t => $"{t.Name} :{t.StoreProxy?.Port}")));
                }

                await schedules.CreateAsync(http, cancellationToken);
                startedAtMs = NowMs;
                loadAtStart = LoadAverage();
                var killRandom = new Random(random.Next());
                chaosTasks.Add(KillSilosAsync(deployment, killRandom, startedAtMs, chaos.Token, cancellationToken));
                chaosTasks.Add(RestartRedisAsync(deployment, new Random(random.Next()), startedAtMs, chaos.Token, cancellationToken));
                chaosTasks.Add(storeFaults.RunAsync(startedAtMs, chaos.Token));
                chaosTasks.Add(clockSteps.RunAsync(startedAtMs, chaos.Token, cancellationToken));
                chaosTasks.Add(ReportProgressAsync(deployment, load, printed, startedAtMs, chaos.Token));

                await load.RunAsync(cancellationToken);
                schedulingEndedAtMs = NowMs;
                _log($"chaos: scheduling done in {(schedulingEndedAtMs - startedAtMs) / 1000.0:F1} s: {load.Figures().Accepted} accepted of {load.Sent}");
                if (_options.Outage > TimeSpan.Zero)
                {
                    await chaos.CancelAsync();
                    await Task.WhenAll(chaosTasks);
                    await OutageAsync(deployment, startedAtMs, cancellationToken);
                }

                // The chaos goes on until everything accepted is due, then stops (a restart under way completes).
                await Conditions.DelayUntilAsync(_clock, load.MaxAcceptedDueMs, cancellationToken);
                await chaos.CancelAsync();
                await Task.WhenAll(chaosTasks);
                await RestartCrashedAsync(deployment, cancellationToken);

                drainedAtMs = await DrainAsync(load, printed, cancellationToken);
                if (schedules.Made.Count > 0)
                {
                    await schedules.DeleteAsync(http, printed, schedulingEndedAtMs, cancellationToken);
                }
            }
            finally
            {
                // Also on failure: no kill or restart may race the final stop.
                await chaos.CancelAsync();
                await Task.WhenAll(chaosTasks).ContinueWith(_ => { }, TaskScheduler.Default);
                _log("chaos: stopping silos (SIGTERM), gateway, redis");
                await deployment.StopAsync();
            }

            observations = new RunObservations
            {
                WorkDir = workDir,
                BeganAtMs = beganAtMs,
                StartedAtMs = startedAtMs,
                SchedulingEndedAtMs = schedulingEndedAtMs,
                DrainedAtMs = drainedAtMs,
                FinishedAtMs = NowMs,
                Requests = load.Figures(),
                Accepted = load.Accepted(),
                Rejections = load.Rejections(),
                Unconfirmed = load.Unconfirmed(),
                Lines = printed.Lines(),
                Schedules = schedules.Made,
                OccurrencePrefix = schedules.Made.Count > 0 ? schedules.Prefix : null,
                SchedulesDeletedAtMs = schedules.DeletedAtMs,
                Unparseable = printed.Unparseable(),
                Disruptions = Disruptions(),
                StoreFaults = await storeFaults.FaultsAsync(),
                ClockSteps = clockSteps.Steps(),
                Instances = [.. deployment.AllInstances.Select(i => new InstanceFigures(
                    i.Name, i.Pid, i.StartedAtMs, i.ReadyAtMs, i.ExitedAtMs, i.Ending, i.StdoutCount, i.StdoutPath ?? "", i.StderrPath ?? ""))],
                LoadAverage = $"{loadAtStart} -> {LoadAverage()}",
                Crashes = Interlocked.Read(ref _crashes),
                FailedStarts = deployment.FailedStarts,
            };
        }

        // A failing run keeps its work dir: the processes' stdout/stderr are the evidence.
        var report = ChaosAnalysis.Analyze(_options, seed, observations, workDirKept: true);
        if (report.Passed && !_options.KeepWorkDir && _options.WorkDir is null)
        {
            TryDelete(workDir);
            report = report with { WorkDirKept = false };
        }

        return report;
    }

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Every <see cref="ChaosOptions.KillEvery"/>: <c>kill -9</c> a random ready silo, then start a fresh process on
    /// its ports.
    /// </summary>
    private async Task KillSilosAsync(Deployment deployment, Random random, long startedAtMs, CancellationToken chaos, CancellationToken cancellationToken)
    {
        if (_options.KillEvery == TimeSpan.Zero)
        {
            return;
        }

        for (var n = 1; ; n++)
        {
            try
            {
                await Conditions.DelayUntilAsync(_clock, startedAtMs + (long)(n * _options.KillEvery.TotalMilliseconds), chaos);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }

            await RestartCrashedAsync(deployment, cancellationToken);
            var ready = deployment.Silos.Where(s => s.IsReady && !s.ClockStepped).ToList();
            if (ready.Count == 0)
            {
                _log("chaos: no ready silo to kill this time");
                continue;
            }

            var victim = ready[random.Next(ready.Count)];
            var instance = victim.Current!;
            var atMs = NowMs;
            await victim.KillAsync();
            _log($"chaos: kill -9 {instance.Name} (pid {instance.Pid}) at +{(atMs - startedAtMs) / 1000.0:F1} s");
            if (_options.RestartDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.RestartDelay, _clock, cancellationToken);
            }

            var back = await deployment.RestartAsync(victim, _log, cancellationToken);
            var replacement = victim.Current!;
            _log(back
                ? $"chaos: {replacement.Name} (pid {replacement.Pid}) ready {replacement.ReadyAtMs - atMs} ms after the kill"
                : $"chaos: {victim.Name} did not come back");
            Record(new Disruption
            {
                Kind = "kill",
                AtMs = atMs,
                Killed = instance.Name,
                Pid = instance.Pid,
                RestartedAs = back ? replacement.Name : "",
                BackReadyAfterMs = back ? replacement.ReadyAtMs - atMs : null,
            });
        }
    }

    /// <summary>
    /// Every <see cref="ChaosOptions.RedisRestartEvery"/>: <c>kill -9</c> Redis and start it again on the same port and
    /// dir.
    /// </summary>
    private async Task RestartRedisAsync(Deployment deployment, Random random, long startedAtMs, CancellationToken chaos, CancellationToken cancellationToken)
    {
        if (_options.RedisRestartEvery == TimeSpan.Zero)
        {
            return;
        }

        for (var n = 1; ; n++)
        {
            try
            {
                await Conditions.DelayUntilAsync(_clock, startedAtMs + (long)(n * _options.RedisRestartEvery.TotalMilliseconds), chaos);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (deployment.Cluster is { } cluster)
            {
                await FailOverAsync(cluster, random, startedAtMs, cancellationToken);
                continue;
            }

            var pid = deployment.Redis.Pid;
            var atMs = NowMs;
            await deployment.Redis.KillAsync();
            if (_options.RedisDowntime > TimeSpan.Zero)
            {
                await Task.Delay(_options.RedisDowntime, _clock, cancellationToken);
            }

            await deployment.Redis.StartAsync(cancellationToken);
            var backMs = NowMs - atMs;
            _log($"chaos: kill -9 redis (pid {pid}) at +{(atMs - startedAtMs) / 1000.0:F1} s, answering again after {backMs} ms");
            Record(new Disruption
            {
                Kind = "redis",
                AtMs = atMs,
                Killed = "redis",
                Pid = pid,
                RestartedAs = "redis",
                BackReadyAfterMs = backMs,
            });
        }
    }

    /// <summary>
    /// A failover drill on the Redis Cluster: <c>kill -9</c> of a random master with a replica; the
    /// cluster promotes the replica (recorded as <see cref="Disruption.BackReadyAfterMs"/>); after
    /// <see cref="ChaosOptions.RedisDowntime"/> the old master starts again and rejoins as a replica.
    /// </summary>
    private async Task FailOverAsync(StoreCluster cluster, Random random, long startedAtMs, CancellationToken cancellationToken)
    {
        var atMs = NowMs;
        var victim = await cluster.KillMasterAsync(random);
        await cluster.WaitUntilFailedOverAsync(victim, cancellationToken);
        var promotedMs = NowMs - atMs;
        var rest = _options.RedisDowntime - TimeSpan.FromMilliseconds(promotedMs);
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest, _clock, cancellationToken);
        }

        await victim.StartAsync(cancellationToken);
        await cluster.WaitUntilOkAsync(cancellationToken);
        _log($"chaos: kill -9 redis master :{victim.Port} (pid {victim.Pid}) at +{(atMs - startedAtMs) / 1000.0:F1} s, its replica promoted after {promotedMs} ms, "
             + $"rejoined after {NowMs - atMs} ms");
        Record(new Disruption
        {
            Kind = "master",
            AtMs = atMs,
            Killed = $"redis:{victim.Port}",
            Pid = victim.Pid,
            RestartedAs = "replica",
            BackReadyAfterMs = promotedMs,
        });
    }

    /// <summary>
    /// The whole service down at once (<see cref="ChaosOptions.Outage"/>): every silo and the gateway
    /// stopped gracefully, kept down, then started again together. Recorded at the restart, so its
    /// resume time is how long the overdue backlog took to print once the service was back.
    /// </summary>
    private async Task OutageAsync(Deployment deployment, long startedAtMs, CancellationToken cancellationToken)
    {
        var downAtMs = NowMs;
        await deployment.StopServiceAsync();
        _log($"chaos: outage at +{(downAtMs - startedAtMs) / 1000.0:F1} s: every silo and the gateway stopped for {_options.Outage.TotalSeconds:0.#} s");
        await Task.Delay(_options.Outage, _clock, cancellationToken);
        var restartAtMs = NowMs;
        var back = await Task.WhenAll(deployment.Targets.Select(t => deployment.RestartAsync(t, _log, cancellationToken)));
        var firstReady = deployment.Targets.Where(t => t.Current is { ReadyAtMs: > 0 }).Select(t => t.Current!.ReadyAtMs).DefaultIfEmpty(0).Min();
        _log($"chaos: service started again after {(restartAtMs - downAtMs) / 1000.0:F1} s down; {back.Count(b => b)} of {back.Length} ready, the first {firstReady - restartAtMs} ms after the start");
        Record(new Disruption
        {
            Kind = "outage",
            AtMs = restartAtMs,
            Killed = "service",
            DownMs = restartAtMs - downAtMs,
            RestartedAs = string.Join(", ", deployment.Targets.Select(t => t.Current?.Name)),
            BackReadyAfterMs = firstReady > 0 ? firstReady - restartAtMs : null,
        });
    }

    /// <summary>
    /// A silo that died on its own is a finding (counted as a crash); like a supervisor, start it again.
    /// One whose clock was stepped is left to <see cref="ClockStepper"/>: its exit was injected.
    /// </summary>
    private async Task RestartCrashedAsync(Deployment deployment, CancellationToken cancellationToken)
    {
        foreach (var node in deployment.Silos.Where(s => !s.ClockStepped && (s.HasCrashed || s.Current is null || (!s.IsReady && s.Current.HasExited))))
        {
            if (node.HasCrashed)
            {
                Interlocked.Increment(ref _crashes);
                _log($"chaos: {node.Current?.Name} exited by itself; stderr tail:\n{node.Current?.StderrTail()}");
            }

            await deployment.RestartAsync(node, _log, cancellationToken);
        }
    }

    /// <summary>
    /// Waits until every accepted message has printed, at most the drain timeout after the last due time. Returns when
    /// (epoch ms), 0 on timeout.
    /// </summary>
    private async Task<long> DrainAsync(LoadGenerator load, PrintedLines printed, CancellationToken cancellationToken)
    {
        var ids = load.Accepted().Select(a => a.Id).ToArray();
        var deadlineMs = load.MaxAcceptedDueMs + (long)_options.DrainTimeout.TotalMilliseconds;
        var timeout = TimeSpan.FromMilliseconds(Math.Max(0, deadlineMs - NowMs));
        var drained = await Conditions.WaitUntilAsync(() => printed.CountPrinted(ids) == ids.Length, timeout, cancellationToken);
        var printedCount = printed.CountPrinted(ids);
        _log(drained
            ? $"chaos: all {ids.Length} accepted messages printed"
            : $"chaos: drain timeout: {ids.Length - printedCount} of {ids.Length} accepted messages not printed");
        return drained ? NowMs : 0;
    }

    private async Task ReportProgressAsync(Deployment deployment, LoadGenerator load, PrintedLines printed, long startedAtMs, CancellationToken chaos)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ProgressEvery, _clock, chaos);
                var figures = load.Figures();
                _log($"chaos: +{(NowMs - startedAtMs) / 1000.0:F0} s sent {figures.MessagesSent} accepted {figures.Accepted} rejected {figures.Rejected} "
                     + $"printed {printed.Count}; ready {string.Join(' ', deployment.Targets.Where(t => t.IsReady).Select(t => t.Name))}");
            }
        }
        catch (OperationCanceledException)
        {
            // The chaos phase is over.
        }
    }

    private void Record(Disruption disruption)
    {
        lock (_lock)
        {
            _disruptions.Add(disruption);
        }
    }

    private List<Disruption> Disruptions()
    {
        lock (_lock)
        {
            return [.. _disruptions];
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "";
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
