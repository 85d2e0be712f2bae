using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// A whole deployment as real processes: a private redis-server, two silos on it (own silo,
/// gateway and HTTP ports, JSON output, a cluster id of their own) and one gateway in front.
/// A derived fixture may give the silos settings of their own.
/// </summary>
public class ClusterProcessesFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly List<ServiceProcess> _processes = [];
    private readonly IReadOnlyDictionary<string, string> _siloSettings;

    public ClusterProcessesFixture()
        : this(new Dictionary<string, string>())
    {
    }

    protected ClusterProcessesFixture(IReadOnlyDictionary<string, string> siloSettings) => _siloSettings = siloSettings;

    public RedisServer Redis { get; } = new();

    public string ClusterId { get; } = $"e2e-{Guid.NewGuid():N}";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public ServiceProcess SiloA { get; private set; } = null!;

    public ServiceProcess SiloB { get; private set; } = null!;

    public ServiceProcess Gateway { get; private set; } = null!;

    public IReadOnlyList<ServiceProcess> Silos => [SiloA, SiloB];

    public IReadOnlyList<ServiceProcess> Processes => _processes;

    /// <summary>Every process's stderr tail, for failure messages.</summary>
    public string Diagnostics() => string.Join(Environment.NewLine, _processes.Select(p => p.StderrTail()));

    public Task InitializeAsync() => Cleanup.StartOrDisposeAsync(StartAsync, DisposeAsync);

    private async Task StartAsync()
    {
        await Redis.StartAsync();
        try
        {
            // The two silos start together: membership in Redis lets them join in any order.
            SiloA = Track(TestService.Start("silo-a", TestService.SiloDll, SiloEnvironment()));
            SiloB = Track(TestService.Start("silo-b", TestService.SiloDll, SiloEnvironment()));
            await Task.WhenAll(SiloA.WaitUntilReadyAsync(Http, StartTimeout), SiloB.WaitUntilReadyAsync(Http, StartTimeout));

            // The gateway's Orleans client needs a silo to connect to when it starts.
            Gateway = Track(TestService.Start("gateway", TestService.GatewayDll, new Dictionary<string, string>
            {
                ["Redis__ConnectionString"] = Redis.ConnectionString,
                ["Orleans__ClusterId"] = ClusterId,
            }));
            await Gateway.WaitUntilReadyAsync(Http, StartTimeout);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"The cluster did not start: {ex.Message}\n{Diagnostics()}", ex);
        }
    }

    /// <summary>
    /// Front end first, then both silos together (graceful, falling back to SIGKILL), then Redis; every
    /// step runs whatever the one before did, also after a failed start, and a second call does nothing more.
    /// </summary>
    public async Task DisposeAsync()
    {
        var processes = _processes.ToList();
        _processes.Clear();
        var silos = processes.Where(p => p == SiloA || p == SiloB).ToList();
        await Cleanup.RunAllAsync(
            [
                .. processes.Except(silos).Select(p => (Func<Task>)(() => p.StopAsync(StopTimeout))),
                () => Task.WhenAll(silos.Select(p => p.StopAsync(StopTimeout))),
                .. processes.Select(p => (Func<Task>)(async () => await p.DisposeAsync())),
                async () => await Redis.DisposeAsync(),
                () =>
                {
                    Http.Dispose();
                    return Task.CompletedTask;
                },
            ]);
    }

    private Dictionary<string, string> SiloEnvironment() => TestService.SiloEnvironment(Redis.ConnectionString, ClusterId, _siloSettings);

    private ServiceProcess Track(ServiceProcess process)
    {
        _processes.Add(process);
        return process;
    }
}

/// <summary>Tests that share one <see cref="ClusterProcessesFixture"/>; they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterProcessesGroup : ICollectionFixture<ClusterProcessesFixture>
{
    public const string Name = "Cluster processes";
}
