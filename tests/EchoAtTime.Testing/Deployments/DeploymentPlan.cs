namespace EchoAtTime.Testing;

/// <summary>What a <see cref="Deployment"/> starts: its store, its silos and gateway, and how each is rigged.</summary>
/// <param name="SiloDll">EchoAtTime.Silo.dll of the build under test.</param>
public sealed record DeploymentPlan(string SiloDll)
{
    public int Silos { get; init; } = 1;

    /// <summary>EchoAtTime.Gateway.dll to run a gateway too; null: none.</summary>
    public string? GatewayDll { get; init; }

    /// <summary>
    /// The cluster id's prefix, which names the deployment's kind in logs (<c>chaos-…</c>, <c>bench-…</c>).
    /// </summary>
    public string Name { get; init; } = "deployment";

    /// <summary>
    /// Masters of a Redis Cluster to run on; 0: one store (redis-server, or Garnet where there is none).
    /// </summary>
    public int RedisCluster { get; init; }

    public int ClusterReplicas { get; init; }

    public string AppendFsync { get; init; } = "always";

    /// <summary>The one store's password (not with a cluster); null: none.</summary>
    public string? StorePassword { get; init; }

    /// <summary>
    /// Environment for every service, on top of the deployment's own (store, cluster id, ports, JSON output).
    /// </summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Command-line arguments of every service.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>Inherited variables the services must not see (a tool's own tuning).</summary>
    public IReadOnlyList<string> Unset { get; init; } = [];

    /// <summary>Each service reaches the store through a <see cref="RedisFaultProxy"/> of its own.</summary>
    public bool StoreProxies { get; init; }

    /// <summary>
    /// libfaketime's path: every silo reads its wall clock from a timestamp file of its own; null: the machine's.
    /// </summary>
    public string? Faketime { get; init; }

    /// <summary>Every silo in a CPU cgroup of its own limited to this many cores; null: no limit.</summary>
    public double? SiloCpuCores { get; init; }

    /// <summary>
    /// Where the silos' stdout goes; the gateway prints nothing, and its output goes where the silos' does.
    /// </summary>
    public StdoutHandling Stdout { get; init; } = StdoutHandling.Read;

    /// <summary>Called with (process, line) for every line a silo prints, as it is read.</summary>
    public Action<string, string>? OnPrinted { get; init; }

    /// <summary>The store's and the processes' files; null: a temp directory, deleted with the deployment.</summary>
    public string? WorkDir { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Where the ports come from; null: <see cref="LoopbackPorts.Shared"/>.</summary>
    public LoopbackPorts? Ports { get; init; }
}
