using System.Globalization;

namespace EchoAtTime.Chaos;

/// <summary>
/// One silo (or the gateway) as an operator sees it: fixed ports and configuration, and the
/// sequence of processes that have played it — a killed silo comes back as a fresh process on the
/// same ports, like under a process supervisor.
/// </summary>
public sealed class ServiceNode
{
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly IReadOnlyList<string> _extraArgs;
    private readonly string _logDir;
    private readonly Action<string, string>? _onStdout;
    private readonly List<ServiceProcess> _instances = [];
    private volatile bool _ready;
    private bool _clockStepped;

    public ServiceNode(
        string name,
        bool isSilo,
        string dll,
        int httpPort,
        IReadOnlyDictionary<string, string> environment,
        IReadOnlyList<string> extraArgs,
        string logDir,
        Action<string, string>? onStdout,
        RedisFaultProxy? storeProxy = null,
        string? clockFile = null)
    {
        Name = name;
        IsSilo = isSilo;
        _dll = dll;
        BaseUrl = new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}/");
        _environment = environment;
        _extraArgs = extraArgs;
        _logDir = logDir;
        _onStdout = onStdout;
        StoreProxy = storeProxy;
        ClockFile = clockFile;
    }

    public string Name { get; }

    public bool IsSilo { get; }

    public Uri BaseUrl { get; }

    /// <summary>
    /// The fault proxy every process of this node reaches Redis through (<c>--store-faults</c>); null
    /// when it connects directly. It outlives the processes: a restart reconnects through the same port.
    /// </summary>
    public RedisFaultProxy? StoreProxy { get; }

    /// <summary>
    /// The libfaketime timestamp file every process of this silo reads its wall clock from
    /// (<c>--clock-steps</c>); null when it runs on the machine's clock.
    /// </summary>
    public string? ClockFile { get; }

    /// <summary>
    /// Its clock is stepped and its exit awaited (<see cref="ClockStepper"/>): that exit is injected,
    /// not a crash, and nothing else kills or restarts it meanwhile.
    /// </summary>
    public bool ClockStepped
    {
        get => Volatile.Read(ref _clockStepped);
        set => Volatile.Write(ref _clockStepped, value);
    }

    /// <summary>HTTP, and for a silo its Orleans silo and gateway ports, for reading the processes' logs.</summary>
    public string Endpoints => _environment.TryGetValue("Orleans__SiloPort", out var silo) && _environment.TryGetValue("Orleans__GatewayPort", out var gateway)
        ? $"{BaseUrl} (silo port {silo}, gateway port {gateway})"
        : BaseUrl.ToString();

    /// <summary>Ready and not being killed: the load generator sends here only while this holds.</summary>
    public bool IsReady => _ready && Current is { HasExited: false };

    /// <summary>Its process exited although nobody stopped it (a crash).</summary>
    public bool HasCrashed => !ClockStepped && Current is { HasExited: true, Killed: false, Ending: "running" };

    public ServiceProcess? Current { get; private set; }

    public IReadOnlyList<ServiceProcess> Instances => _instances;

    /// <summary>
    /// Starts a fresh process and waits until it is ready. False if it exited or was not ready in time.
    /// </summary>
    public async Task<bool> StartAsync(HttpClient probe, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var name = $"{Name}#{_instances.Count.ToString(CultureInfo.InvariantCulture)}";
        var instance = ServiceProcess.Start(new ServiceLaunch(name, _dll, BaseUrl)
        {
            Environment = _environment,
            ExtraArgs = _extraArgs,
            WorkDir = _logDir,
            LogPrefix = Path.Combine(_logDir, name.Replace('#', '.')),
            OnStdout = _onStdout,
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

    /// <summary>The final graceful stop (SIGTERM, SIGKILL after <paramref name="grace"/>).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _ready = false;
        if (Current is { } current)
        {
            await current.StopAsync(grace);
        }
    }
}
