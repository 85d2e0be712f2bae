using System.Globalization;

namespace EchoAtTime.Testing;

/// <summary>
/// The system under test as processes on loopback, for tests, the chaos drills and the benchmark alike: one store (or a
/// Redis Cluster), N silos on it (a cluster id of their own, JSON output) and optionally the gateway, rigged as its
/// <see cref="DeploymentPlan"/> says (fault proxies, stepped clocks, CPU cgroups). Every process is stopped by its own
/// pid, and every process ever started is kept, so lines printed before a kill still count.
/// </summary>
public sealed class Deployment : IAsyncDisposable
{
    private static readonly TimeSpan SiloStopGrace = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan GatewayStopGrace = TimeSpan.FromSeconds(10);
    private const int StartAttempts = 3;

    private readonly DeploymentPlan _plan;
    private readonly string _dir;
    private readonly bool _ownsDir;
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly List<ServiceNode> _silos = [];
    private readonly List<RedisFaultProxy> _proxies = [];
    private readonly List<CpuCgroup> _cgroups = [];
    private long _failedStarts;

    public Deployment(DeploymentPlan plan)
    {
        _plan = plan;
        _ownsDir = plan.WorkDir is null;
        _dir = plan.WorkDir ?? Directory.CreateTempSubdirectory("echo-deployment-").FullName;
        var ports = plan.Ports ?? LoopbackPorts.Shared;
        ClusterId = $"{plan.Name}-{Guid.NewGuid():N}";
        Cluster = plan.RedisCluster > 0 ? new StoreCluster(plan.RedisCluster, plan.ClusterReplicas, plan.AppendFsync) : null;
        Redis = Cluster?.Nodes[0] ?? new StoreProcess(ports.Next(), Path.Combine(_dir, "redis"), plan.AppendFsync, plan.StorePassword);
        var logDir = plan.WorkDir is null ? null : Path.Combine(_dir, "processes");
        CreateCgroups();
        for (var n = 1; n <= plan.Silos; n++)
        {
            var environment = Environment(ports, silo: true);
            var clockFile = plan.Faketime is null ? null : ClockFile(n);
            if (clockFile is not null)
            {
                foreach (var (key, value) in Faketime.Environment(plan.Faketime!, clockFile))
                {
                    environment[key] = value;
                }
            }

            var launch = Launch(ports, environment, logDir) with { OnStdout = plan.OnPrinted, CgroupProcs = _cgroups.Count > 0 ? _cgroups[n - 1].ProcsPath : null };
            _silos.Add(new ServiceNode($"silo-{n}", isSilo: true, launch, StoreProxy(environment), clockFile));
        }

        if (plan.GatewayDll is { } gatewayDll)
        {
            var environment = Environment(ports, silo: false);
            Gateway = new ServiceNode("gateway", isSilo: false, Launch(ports, environment, logDir) with { Dll = gatewayDll }, StoreProxy(environment));
        }
    }

    public string ClusterId { get; }

    /// <summary>The one store; with <see cref="Cluster"/>, the cluster's first node.</summary>
    public StoreProcess Redis { get; }

    /// <summary>The Redis Cluster the service runs on, or null for one store.</summary>
    public StoreCluster? Cluster { get; }

    /// <summary>Every store process: the one store, or every cluster node.</summary>
    public IReadOnlyList<StoreProcess> StoreNodes => Cluster?.Nodes ?? [Redis];

    public IReadOnlyList<int> StorePids => [.. StoreNodes.Select(n => n.Pid)];

    public string StoreConnectionString => Cluster?.ConnectionString ?? Redis.ConnectionString;

    public IReadOnlyList<ServiceNode> Silos => _silos;

    public ServiceNode? Gateway { get; }

    /// <summary>Where requests go: every silo, and the gateway.</summary>
    public IReadOnlyList<ServiceNode> Targets => Gateway is null ? _silos : [.. _silos, Gateway];

    /// <summary>Each target's HTTP API: where load goes, as behind a load balancer.</summary>
    public IReadOnlyList<Uri> Urls => [.. Targets.Select(t => t.BaseUrl)];

    /// <summary>The running process of each silo.</summary>
    public IReadOnlyList<ServiceProcess> Current => [.. _silos.Select(s => s.Current ?? throw new InvalidOperationException($"{s.Name} has not started."))];

    /// <summary>Every silo process started, silo by silo, in start order (a restart adds one).</summary>
    public IReadOnlyList<ServiceProcess> SiloInstances => [.. _silos.SelectMany(s => s.Instances)];

    public IEnumerable<ServiceProcess> AllInstances => Targets.SelectMany(n => n.Instances);

    /// <summary>Every line every silo process printed so far, killed ones included (read stdout only).</summary>
    public List<PrintedLine> Printed() => [.. SiloInstances.SelectMany(i => i.Printed())];

    /// <summary>The stderr tail of every process started, for a failure's message.</summary>
    public string Diagnostics() => string.Join(System.Environment.NewLine, AllInstances.Select(p => p.StderrTail()));

    /// <summary>
    /// Each silo's CPU cgroup (index = silo), empty without <see cref="DeploymentPlan.SiloCpuCores"/>.
    /// </summary>
    public IReadOnlyList<CpuCgroup> Cgroups => _cgroups;

    public long FailedStarts => Interlocked.Read(ref _failedStarts);

    /// <summary>
    /// The store, the fault proxies, then all silos together (membership in the store lets them join in any order),
    /// then the gateway, which needs a silo.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await StartStoreAsync(cancellationToken);
        foreach (var proxy in _proxies)
        {
            await proxy.StartAsync();
        }

        await StartSilosAsync(cancellationToken);
        if (Gateway is not null && !await Gateway.StartAsync(_probe, _plan.StartTimeout, cancellationToken))
        {
            throw new InvalidOperationException($"The gateway did not become ready:\n{Gateway.Current?.StderrTail()}");
        }
    }

    /// <summary>A fresh process for every silo (same ports, cluster and cgroup), all awaited until ready.</summary>
    public async Task StartSilosAsync(CancellationToken cancellationToken = default)
    {
        var started = await Task.WhenAll(_silos.Select(s => s.StartAsync(_probe, _plan.StartTimeout, cancellationToken)));
        if (started.Contains(false))
        {
            var failed = _silos.Where(s => !s.IsReady).ToList();
            throw new InvalidOperationException(
                $"{string.Join(", ", failed.Select(s => s.Name))} did not become ready:\n"
                + string.Join("\n", failed.Select(s => $"--- {s.Current?.Name} stderr ---\n{s.Current?.StderrTail()}")));
        }

        // A limit that did not take would make the figures those of unthrottled silos: check, do not trust.
        var outside = _cgroups.Count > 0 ? Current.Where((p, n) => !_cgroups[n].Holds(p.Pid)).ToList() : [];
        if (outside.Count > 0)
        {
            throw new InvalidOperationException($"Silos not in their CPU cgroup: {string.Join(", ", outside.Select(p => $"{p.Name} (pid {p.Pid})"))}.");
        }
    }

    /// <summary>Starts a fresh process for <paramref name="node"/> (same ports), retrying a start that fails.</summary>
    public async Task<bool> RestartAsync(ServiceNode node, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; attempt <= StartAttempts; attempt++)
        {
            if (await node.StartAsync(_probe, _plan.StartTimeout, cancellationToken))
            {
                return true;
            }

            Interlocked.Increment(ref _failedStarts);
            log?.Invoke($"{node.Current?.Name} did not become ready (attempt {attempt}); stderr tail:\n{node.Current?.StderrTail()}");
            await node.KillAsync();
        }

        return false;
    }

    /// <summary>The store again, after <see cref="KillStoreAsync"/>: same ports and files.</summary>
    public Task StartStoreAsync(CancellationToken cancellationToken = default) =>
        Cluster is null ? Redis.StartAsync(cancellationToken) : Cluster.StartAsync(cancellationToken);

    /// <summary><c>kill -9</c> of the store (every node of a cluster).</summary>
    public Task KillStoreAsync() => Cluster?.KillAsync() ?? Redis.KillAsync();

    /// <summary>SIGTERM to every silo at once; returns when all are gone.</summary>
    public Task StopSilosAsync() => Task.WhenAll(_silos.Select(s => s.StopAsync(SiloStopGrace)));

    /// <summary>Silos SIGTERM (together), then the gateway: the service is down, the store is not.</summary>
    public async Task StopServiceAsync()
    {
        await StopSilosAsync();
        if (Gateway is not null)
        {
            await Gateway.StopAsync(GatewayStopGrace);
        }
    }

    /// <summary>
    /// The end of a run: the service (its stop writes to the store), then the proxies, then the store.
    /// </summary>
    public async Task StopAsync()
    {
        await StopServiceAsync();
        await DisposeProxiesAsync();
        await Task.WhenAll(StoreNodes.Select(n => n.StopAsync()));
    }

    /// <summary>Whatever still runs is SIGKILLed: after an error or a cancel nothing is left behind.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var instance in AllInstances)
        {
            await instance.DisposeAsync();
        }

        await DisposeProxiesAsync();
        await (Cluster?.DisposeAsync() ?? Redis.DisposeAsync());
        _probe.Dispose();

        // Only now: a cgroup can be removed once the processes in it have exited.
        foreach (var cgroup in _cgroups)
        {
            cgroup.Dispose();
        }

        if (_ownsDir)
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private Dictionary<string, string> Environment(LoopbackPorts ports, bool silo)
    {
        var environment = new Dictionary<string, string>
        {
            ["Redis__ConnectionString"] = StoreConnectionString,
            ["Orleans__ClusterId"] = ClusterId,
        };
        if (silo)
        {
            environment["Orleans__SiloPort"] = Port(ports);
            environment["Orleans__GatewayPort"] = Port(ports);
            environment["Echo__Output"] = "json";
        }

        foreach (var (key, value) in Cluster is null ? Redis.ServiceSettings : StoreProcess.DefaultServiceSettings)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in _plan.Settings)
        {
            environment[key] = value;
        }

        return environment;
    }

    private ServiceLaunch Launch(LoopbackPorts ports, Dictionary<string, string> environment, string? logDir) =>
        new("", _plan.SiloDll, new Uri($"http://127.0.0.1:{Port(ports)}/"))
        {
            Environment = environment,
            ExtraArgs = _plan.ExtraArgs,
            Unset = _plan.Unset,
            WorkDir = logDir,
            Stdout = _plan.Stdout,
        };

    /// <summary>
    /// The silos' cgroups, made before anything starts: a machine that cannot make them fails here, and a throttled
    /// run never runs unthrottled.
    /// </summary>
    private void CreateCgroups()
    {
        if (_plan.SiloCpuCores is not { } cores)
        {
            return;
        }

        var tag = Guid.NewGuid().ToString("N")[..8];
        try
        {
            for (var n = 1; n <= _plan.Silos; n++)
            {
                _cgroups.Add(CpuCgroup.Create(string.Create(CultureInfo.InvariantCulture, $"echo-{_plan.Name}-{tag}-silo{n}"), cores));
            }
        }
        catch
        {
            _cgroups.ForEach(c => c.Dispose());
            throw;
        }
    }

    /// <summary>
    /// A proxy of its own for one node, bound now (its port goes into the node's configuration), or null without
    /// store proxies.
    /// </summary>
    private RedisFaultProxy? StoreProxy(Dictionary<string, string> environment)
    {
        if (!_plan.StoreProxies)
        {
            return null;
        }

        var proxy = new RedisFaultProxy(Redis.Port);
        _proxies.Add(proxy);
        environment["Redis__ConnectionString"] = proxy.ConnectionString;
        return proxy;
    }

    /// <summary>A silo's own libfaketime timestamp file, at +0 (a clock step writes into it).</summary>
    private string ClockFile(int silo)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, "clocks")).FullName;
        var file = Path.Combine(dir, $"silo-{silo.ToString(CultureInfo.InvariantCulture)}.faketime");
        File.WriteAllText(file, "+0\n");
        return file;
    }

    /// <summary>Idempotent: an unmatched reply drop ends with <see cref="ObjectDisposedException"/>.</summary>
    private async Task DisposeProxiesAsync()
    {
        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }
    }

    private static string Port(LoopbackPorts ports) => ports.Next().ToString(CultureInfo.InvariantCulture);
}
