using System.Globalization;

namespace EchoAtTime.Testing;

/// <summary>
/// One silo (or the gateway) as an operator sees it: fixed ports and configuration, and the sequence of processes that
/// have played it — a killed silo comes back as a fresh process on the same ports, like under a process supervisor.
/// </summary>
/// <param name="launch">How each of its processes starts; its name is the node's, numbered per start (<c>silo-2#1</c>).
/// With a <see cref="ServiceLaunch.WorkDir"/>, each process's output goes to files there named after it.</param>
public sealed class ServiceNode(string name, bool isSilo, ServiceLaunch launch, RedisFaultProxy? storeProxy = null, string? clockFile = null)
{
    private readonly List<ServiceProcess> _instances = [];
    private volatile bool _ready;
    private bool _clockStepped;

    public string Name => name;

    public bool IsSilo => isSilo;

    public Uri BaseUrl => launch.BaseUrl;

    /// <summary>
    /// The fault proxy every process of this node reaches the store through; null when it connects directly. It
    /// outlives the processes: a restart reconnects through the same port.
    /// </summary>
    public RedisFaultProxy? StoreProxy => storeProxy;

    /// <summary>
    /// The libfaketime timestamp file every process of this silo reads its wall clock from; null when it runs on the
    /// machine's clock.
    /// </summary>
    public string? ClockFile => clockFile;

    /// <summary>
    /// Its clock is stepped and its exit awaited: that exit is injected, not a crash, and nothing else kills or
    /// restarts it meanwhile.
    /// </summary>
    public bool ClockStepped
    {
        get => Volatile.Read(ref _clockStepped);
        set => Volatile.Write(ref _clockStepped, value);
    }

    /// <summary>HTTP, and for a silo its Orleans silo and gateway ports, for reading the processes' logs.</summary>
    public string Endpoints => launch.Environment.TryGetValue("Orleans__SiloPort", out var silo) && launch.Environment.TryGetValue("Orleans__GatewayPort", out var gateway)
        ? $"{BaseUrl} (silo port {silo}, gateway port {gateway})"
        : BaseUrl.ToString();

    /// <summary>Ready and not being killed: load goes here only while this holds.</summary>
    public bool IsReady => _ready && Current is { HasExited: false };

    /// <summary>Its process exited although nobody stopped it (a crash).</summary>
    public bool HasCrashed => !ClockStepped && Current is { HasExited: true, Killed: false, Ending: "running" };

    public ServiceProcess? Current { get; private set; }

    public IReadOnlyList<ServiceProcess> Instances => _instances;

    /// <summary>
    /// Starts a fresh process and waits until it is ready. False if it exited or was not ready in time.
    /// </summary>
    public async Task<bool> StartAsync(HttpClient probe, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var instanceName = $"{Name}#{_instances.Count.ToString(CultureInfo.InvariantCulture)}";
        var instance = ServiceProcess.Start(launch with
        {
            Name = instanceName,
            LogPrefix = launch.WorkDir is { } dir ? Path.Combine(dir, instanceName.Replace('#', '.')) : null,
        });
        _instances.Add(instance);
        Current = instance;
        var ready = await instance.TryWaitUntilReadyAsync(probe, timeout, cancellationToken);
        _ready = ready;
        return ready;
    }

    /// <summary><c>kill -9</c> of the current process; nothing is sent to it from the moment this is called.</summary>
    public async Task KillAsync()
    {
        _ready = false;
        if (Current is { } current)
        {
            await current.KillAsync();
        }
    }

    /// <summary>A graceful stop (SIGTERM, SIGKILL after <paramref name="grace"/>).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _ready = false;
        if (Current is { } current)
        {
            await current.StopAsync(grace);
        }
    }
}
