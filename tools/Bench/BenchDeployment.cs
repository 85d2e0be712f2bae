using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// The system under test for one scenario run: a fresh redis-server (AOF on), or a fresh Redis Cluster
/// of M masters (<see cref="BenchOptions.RedisCluster"/>), and N silos on it with JSON output and a
/// cluster id of their own, on free loopback ports, files under one directory.
/// Every process is stopped by its own pid: SIGTERM, SIGKILL after a grace period. Optionally each
/// silo runs in a CPU cgroup of its own with a fixed quota (the scale scenario); Redis and this tool
/// never do.
/// </summary>
public sealed class BenchDeployment : IAsyncDisposable
{
    /// <summary>The tool's own socket tuning (see Program.cs); never passed on to a silo.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SiloStopGrace = TimeSpan.FromSeconds(15);

    // No load balancer sits in front of the benchmark's silos, so the readiness drain on SIGTERM
    // (2 s by default) would only stretch every stop, and the drain scenario's stop must land before
    // the first message is due.
    private static readonly string[] SiloArgs = ["--Echo:ShutdownDrainDelay=00:00:00"];

    private readonly string _siloDll;
    private readonly string _dir;
    private readonly List<(Uri Url, Dictionary<string, string> Environment)> _nodes = [];
    private readonly List<ServiceProcess> _processes = [];
    private readonly List<ServiceProcess> _current = [];
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly double? _siloCpuCores;
    private readonly List<CpuCgroup> _cgroups = [];
    private RedisStats? _stats;

    /// <param name="siloCpuCores">When set, every silo process runs in a cgroup of its own limited to this many cores;
    /// null: no limit.</param>
    /// <param name="redisCluster">Masters of a Redis Cluster to run on (no replicas); 0: one redis-server.</param>
    public BenchDeployment(string siloDll, int silos, string dir, string appendFsync, LoopbackPorts ports, double? siloCpuCores = null, int redisCluster = 0)
    {
        _siloDll = siloDll;
        _dir = dir;
        _siloCpuCores = siloCpuCores;
        ClusterId = $"bench-{Guid.NewGuid():N}";
        Cluster = redisCluster > 0 ? new StoreCluster(redisCluster, replicasPerMaster: 0, appendFsync) : null;
        Redis = Cluster?.Nodes[0] ?? new StoreProcess(ports.Next(), Path.Combine(dir, "redis"), appendFsync);
        for (var n = 1; n <= silos; n++)
        {
            var environment = new Dictionary<string, string>
            {
                ["Redis__ConnectionString"] = Cluster?.ConnectionString ?? Redis.ConnectionString, ["Orleans__ClusterId"] = ClusterId, ["Echo__Output"] = "json",
                ["Orleans__SiloPort"] = Port(ports), ["Orleans__GatewayPort"] = Port(ports),
            };
            foreach (var (key, value) in Redis.ServiceSettings)
            {
                environment[key] = value;
            }

            _nodes.Add((new Uri($"http://127.0.0.1:{Port(ports)}/"), environment));
        }
    }

    public string ClusterId { get; }

    /// <summary>The one Redis; with <see cref="Cluster"/>, the cluster's first node.</summary>
    public StoreProcess Redis { get; }

    /// <summary>The Redis Cluster the silos run on, or null for one Redis.</summary>
    public StoreCluster? Cluster { get; }

    /// <summary>Every store process: the one Redis, or every cluster node.</summary>
    public IReadOnlyList<StoreProcess> StoreNodes => Cluster?.Nodes ?? [Redis];

    /// <summary>Redis's CPU in the figures is these processes' together.</summary>
    public IReadOnlyList<int> StorePids => [.. StoreNodes.Select(n => n.Pid)];

    public RedisStats Stats => _stats ?? throw new InvalidOperationException("The deployment has not started.");

    /// <summary>Each silo's HTTP API: where the load goes, like behind a load balancer.</summary>
    public IReadOnlyList<Uri> Targets => [.. _nodes.Select(n => n.Url)];

    /// <summary>The running process of each silo.</summary>
    public IReadOnlyList<ServiceProcess> Current => _current;

    /// <summary>Every silo process started, in start order (a restart adds new ones).</summary>
    public IReadOnlyList<ServiceProcess> AllProcesses => _processes;

    /// <summary>Each silo's CPU cgroup (index = silo), empty without a CPU limit.</summary>
    public IReadOnlyList<CpuCgroup> Cgroups => _cgroups;

    /// <summary>
    /// The silos' cgroups if limited (first: a machine that cannot make them fails before anything
    /// starts), Redis, then all silos together (membership in Redis lets them join in any order).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_siloCpuCores is { } cores)
        {
            var tag = Guid.NewGuid().ToString("N")[..8];
            for (var n = 1; n <= _nodes.Count; n++)
            {
                _cgroups.Add(CpuCgroup.Create(string.Create(CultureInfo.InvariantCulture, $"echo-bench-{tag}-silo{n}"), cores));
            }
        }

        await (Cluster is null ? Redis.StartAsync(cancellationToken) : Cluster.StartAsync(cancellationToken));
        _stats = await RedisStats.ConnectAsync([.. StoreNodes.Select(n => n.Port)]);
        await StartSilosAsync(cancellationToken);
    }

    /// <summary>A fresh process for every silo (same ports, cluster and cgroup), all awaited until ready.</summary>
    public async Task StartSilosAsync(CancellationToken cancellationToken)
    {
        _current.Clear();
        for (var n = 0; n < _nodes.Count; n++)
        {
            var generation = _processes.Count(p => p.Name.StartsWith($"silo-{n + 1}#", StringComparison.Ordinal));
            // Stdout straight to a file: at 100k+ lines/s a reader that fell behind would fill the pipe
            // and block the silo's writes, throttling exactly what is measured.
            var name = $"silo-{n + 1}#{generation}";
            var dir = Path.Combine(_dir, "silos");
            var process = ServiceProcess.Start(new ServiceLaunch(name, _siloDll, _nodes[n].Url)
            {
                Environment = _nodes[n].Environment,
                ExtraArgs = SiloArgs,
                Unset = [InlineCompletionsVariable],
                WorkDir = dir,
                LogPrefix = Path.Combine(dir, name.Replace('#', '.')),
                Stdout = StdoutHandling.File,
                CgroupProcs = _cgroups.Count > 0 ? _cgroups[n].ProcsPath : null,
            });
            _processes.Add(process);
            _current.Add(process);
        }

        var ready = await Task.WhenAll(_current.Select((p, n) => p.TryWaitUntilReadyAsync(_probe, StartTimeout, cancellationToken)));
        if (ready.Contains(false))
        {
            throw new InvalidOperationException(
                "Silos did not become ready:\n" + string.Join("\n", _current.Where((_, n) => !ready[n]).Select(p => $"--- {p.Name} stderr ---\n{p.StderrTail()}")));
        }

        // A limit that did not take would make the figures those of unthrottled silos: check, do not trust.
        var outside = _cgroups.Count > 0 ? _current.Where((p, n) => !_cgroups[n].Holds(p.Pid)).ToList() : [];
        if (outside.Count > 0)
        {
            throw new InvalidOperationException($"Silos not in their CPU cgroup: {string.Join(", ", outside.Select(p => $"{p.Name} (pid {p.Pid})"))}.");
        }
    }

    /// <summary>SIGTERM to every silo at once; returns when all are gone.</summary>
    public async Task StopSilosAsync() => await Task.WhenAll(_current.Select(p => p.StopAsync(SiloStopGrace)));

    /// <summary>The end of a run: silos first (their stop writes to Redis), then Redis.</summary>
    public async Task StopAsync()
    {
        await StopSilosAsync();
        if (_stats is not null)
        {
            await _stats.DisposeAsync();
            _stats = null;
        }

        await Task.WhenAll(StoreNodes.Select(n => n.StopAsync()));
    }

    /// <summary>Whatever still runs is SIGKILLed: after an error or a cancel nothing is left behind.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (_stats is not null)
        {
            await _stats.DisposeAsync();
        }

        await (Cluster?.DisposeAsync() ?? Redis.DisposeAsync());
        _probe.Dispose();

        // Only now: a cgroup can be removed once the processes in it have exited.
        foreach (var cgroup in _cgroups)
        {
            cgroup.Dispose();
        }
    }

    private static string Port(LoopbackPorts ports) => ports.Next().ToString(CultureInfo.InvariantCulture);
}
