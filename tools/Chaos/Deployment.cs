using System.Globalization;

namespace EchoAtTime.Chaos;

/// <summary>
/// The system under test as processes on loopback: one redis-server (or a Redis Cluster), N silos on it (JSON output,
/// a cluster id of their own) and optionally the gateway. Every process is stopped by its own pid.
/// With <see cref="ChaosOptions.StoreFaults"/> each node reaches Redis through a
/// <see cref="RedisFaultProxy"/> of its own, started before and stopped after its processes.
/// </summary>
public sealed class Deployment : IAsyncDisposable
{
    private static readonly TimeSpan SiloStopGrace = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan GatewayStopGrace = TimeSpan.FromSeconds(10);
    private const int StartAttempts = 3;

    private readonly ChaosOptions _options;
    private readonly Action<string> _log;
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly List<ServiceNode> _silos = [];
    private readonly List<RedisFaultProxy> _proxies = [];
    private long _failedStarts;

    public Deployment(ChaosOptions options, string siloDll, string gatewayDll, string workDir, LoopbackPorts ports, PrintedLines printed, Action<string> log)
    {
        _options = options;
        _log = log;
        ClusterId = $"chaos-{Guid.NewGuid():N}";
        Cluster = options.RedisCluster > 0 ? new StoreCluster(options.RedisCluster, options.ClusterReplicas, options.AppendFsync) : null;
        Redis = Cluster?.Nodes[0] ?? new StoreProcess(ports.Next(), Path.Combine(workDir, "redis"), options.AppendFsync);
        var logDir = Path.Combine(workDir, "processes");
        var extraArgs = options.Settings.Select(s => $"--{s.Key}={s.Value}").ToArray();
        var faketime = options.ClockSteps > TimeSpan.Zero ? Faketime.RequireLibrary("--clock-steps (run without it, or install it)") : null;
        for (var n = 1; n <= options.Silos; n++)
        {
            var proxy = StoreProxy();
            var environment = new Dictionary<string, string>
            {
                ["Redis__ConnectionString"] = proxy?.ConnectionString ?? StoreConnectionString,
                ["Orleans__ClusterId"] = ClusterId,
                ["Orleans__SiloPort"] = ports.Next().ToString(CultureInfo.InvariantCulture),
                ["Orleans__GatewayPort"] = ports.Next().ToString(CultureInfo.InvariantCulture),
                ["Echo__Output"] = "json",
            };
            foreach (var (key, value) in Redis.ServiceSettings)
            {
                environment[key] = value;
            }

            var clockFile = faketime is null ? null : ClockFile(workDir, n);
            if (clockFile is not null)
            {
                foreach (var (key, value) in Faketime.Environment(faketime!, clockFile))
                {
                    environment[key] = value;
                }
            }

            _silos.Add(new ServiceNode($"silo-{n}", isSilo: true, siloDll, ports.Next(), environment, extraArgs, logDir, printed.Add, proxy, clockFile));
        }

        if (options.Gateway)
        {
            var proxy = StoreProxy();
            var environment = new Dictionary<string, string>
            {
                ["Redis__ConnectionString"] = proxy?.ConnectionString ?? StoreConnectionString,
                ["Orleans__ClusterId"] = ClusterId,
            };
            foreach (var (key, value) in Redis.ServiceSettings)
            {
                environment[key] = value;
            }

            // The gateway prints nothing; its stdout still goes to a file, not into the printed lines.
            Gateway = new ServiceNode("gateway", isSilo: false, gatewayDll, ports.Next(), environment, extraArgs, logDir, onStdout: null, proxy);
        }
    }

    public string ClusterId { get; }

    /// <summary>The one Redis; with <see cref="Cluster"/>, the cluster's first node.</summary>
    public StoreProcess Redis { get; }

    /// <summary>
    /// The Redis Cluster the service runs on (<see cref="ChaosOptions.RedisCluster"/>), or null for one Redis.
    /// </summary>
    public StoreCluster? Cluster { get; }

    public string StoreConnectionString => Cluster?.ConnectionString ?? Redis.ConnectionString;

    public IReadOnlyList<ServiceNode> Silos => _silos;

    public ServiceNode? Gateway { get; }

    /// <summary>Where requests go: every silo, and the gateway.</summary>
    public IReadOnlyList<ServiceNode> Targets => Gateway is null ? _silos : [.. _silos, Gateway];

    public long FailedStarts => Interlocked.Read(ref _failedStarts);

    public IEnumerable<ServiceProcess> AllInstances => Targets.SelectMany(n => n.Instances);

    /// <summary>
    /// Redis, the store proxies, then all silos together (membership in Redis lets them join in any order), then the
    /// gateway, which needs a silo.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await (Cluster is null ? Redis.StartAsync(cancellationToken) : Cluster.StartAsync(cancellationToken));
        foreach (var proxy in _proxies)
        {
            await proxy.StartAsync();
        }

        var started = await Task.WhenAll(_silos.Select(s => s.StartAsync(_probe, _options.StartTimeout, cancellationToken)));
        if (started.Contains(false))
        {
            var failed = _silos.Where(s => !s.IsReady).ToList();
            throw new InvalidOperationException(
                $"{string.Join(", ", failed.Select(s => s.Name))} did not become ready:\n"
                + string.Join("\n", failed.Select(s => $"--- {s.Current?.Name} stderr ---\n{s.Current?.StderrTail()}")));
        }

        if (Gateway is not null && !await Gateway.StartAsync(_probe, _options.StartTimeout, cancellationToken))
        {
            throw new InvalidOperationException($"The gateway did not become ready:\n{Gateway.Current?.StderrTail()}");
        }
    }

    /// <summary>Starts a fresh process for <paramref name="node"/> (same ports), retrying a start that fails.</summary>
    public async Task<bool> RestartAsync(ServiceNode node, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= StartAttempts; attempt++)
        {
            if (await node.StartAsync(_probe, _options.StartTimeout, cancellationToken))
            {
                return true;
            }

            Interlocked.Increment(ref _failedStarts);
            _log($"{node.Current?.Name} did not become ready (attempt {attempt}); stderr tail:\n{node.Current?.StderrTail()}");
            await node.KillAsync();
        }

        return false;
    }

    /// <summary>Silos SIGTERM (together), then the gateway: the service is down, the store is not.</summary>
    public async Task StopServiceAsync()
    {
        await Task.WhenAll(_silos.Select(s => s.StopAsync(SiloStopGrace)));
        if (Gateway is not null)
        {
            await Gateway.StopAsync(GatewayStopGrace);
        }
    }

    /// <summary>
    /// The end of the run: the service (<see cref="StopServiceAsync"/>), then the store proxies, then Redis.
    /// </summary>
    public async Task StopAsync()
    {
        await StopServiceAsync();
        await DisposeProxiesAsync();
        await Task.WhenAll(Cluster?.Nodes.Select(n => n.StopAsync()) ?? [Redis.StopAsync()]);
    }

    /// <summary>
    /// Whatever is still running is SIGKILLed: after an exception or a cancel nothing may be left behind.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var instance in AllInstances)
        {
            await instance.DisposeAsync();
        }

        await DisposeProxiesAsync();
        await (Cluster?.DisposeAsync() ?? Redis.DisposeAsync());
        _probe.Dispose();
    }

    /// <summary>
    /// A silo's own libfaketime timestamp file, at +0 (<c>--clock-steps</c> writes the steps into it).
    /// </summary>
    private static string ClockFile(string workDir, int silo)
    {
        var dir = Directory.CreateDirectory(Path.Combine(workDir, "clocks")).FullName;
        var file = Path.Combine(dir, $"silo-{silo.ToString(CultureInfo.InvariantCulture)}.faketime");
        File.WriteAllText(file, "+0\n");
        return file;
    }

    /// <summary>
    /// A proxy of its own for one node, bound now (its port goes into the node's configuration), or null without store
    /// faults.
    /// </summary>
    private RedisFaultProxy? StoreProxy()
    {
        if (_options.StoreFaults == TimeSpan.Zero)
        {
            return null;
        }

        var proxy = new RedisFaultProxy(Redis.Port);
        _proxies.Add(proxy);
        return proxy;
    }

    /// <summary>
    /// Idempotent: an unmatched reply drop ends with <see cref="ObjectDisposedException"/>, which the injector records.
    /// </summary>
    private async Task DisposeProxiesAsync()
    {
        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }
    }
}
