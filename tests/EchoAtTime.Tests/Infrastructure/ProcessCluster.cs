using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// A failure test's <see cref="Deployment"/>: the run's store (durable: appendfsync always) and N silos with JSON
/// output, each restartable on the same ports, addressed by index. Every instance ever started is kept, so lines
/// printed by a silo before it was killed are still counted.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Deployment _deployment;

    private ProcessCluster(Deployment deployment) => _deployment = deployment;

    public string ClusterId => _deployment.ClusterId;

    public string StoreConnectionString => _deployment.StoreConnectionString;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Silo <paramref name="index"/>'s running process.</summary>
    public ServiceProcess Silo(int index) =>
        _deployment.Silos[index].Current is { HasExited: false } current ? current : throw new InvalidOperationException($"Silo {index} is not running.");

    /// <summary>Which silo an instance (a printed line's <c>Instance</c>) was a process of.</summary>
    public int SiloOf(string instance) => _deployment.Silos.ToList().FindIndex(s => s.Instances.Any(i => i.Name == instance));

    /// <param name="settings">Environment for every silo, over the deployment's own.</param>
    /// <param name="redisPassword">The store's password; then one store, also where the run's store is a
    /// cluster.</param>
    public static async Task<ProcessCluster> StartAsync(int silos, IReadOnlyDictionary<string, string>? settings = null, string? redisPassword = null)
    {
        var cluster = new ProcessCluster(new Deployment(new DeploymentPlan(TestService.SiloDll)
        {
            Name = "fail",
            Silos = silos,
            RedisCluster = RedisServer.Kind == StoreKind.RedisCluster && redisPassword is null ? StoreCluster.DefaultMasters : 0,
            StorePassword = redisPassword,
            Settings = settings ?? new Dictionary<string, string>(),
            StartTimeout = StartTimeout,
        }));
        try
        {
            await cluster._deployment.StartAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts silo <paramref name="index"/> again with its ports and waits until it is ready.</summary>
    public async Task StartSiloAsync(int index)
    {
        var silo = _deployment.Silos[index];
        if (!await silo.StartAsync(Http, StartTimeout))
        {
            throw new InvalidOperationException($"{silo.Current?.Name} did not start.\n{Diagnostics()}");
        }
    }

    /// <summary>The instances <c>kill -9</c>ed: the ones whose work may be printed again, flagged.</summary>
    public IReadOnlySet<string> Killed => _deployment.SiloInstances.Where(i => i.Killed).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);

    public Task KillSiloAsync(int index) => _deployment.Silos[index].KillAsync();

    public Task StopSiloAsync(int index) => _deployment.Silos[index].StopAsync(StopTimeout);

    public Task StopAllSilosAsync() => _deployment.StopSilosAsync();

    public Task KillStoreAsync() => _deployment.KillStoreAsync();

    public Task StartStoreAsync() => _deployment.StartStoreAsync();

    /// <summary>Posts one message; returns the status and, for a 202, the id.</summary>
    public async Task<(HttpStatusCode Status, MessageId Id)> PostAsync(ServiceProcess target, long dueMs, string message)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(target.BaseUrl, "echoAtTime"), new { time = dueMs, message });
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return (response.StatusCode, default);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return MessageId.TryParse(body.RootElement.GetProperty("id").GetString(), out var id)
            ? (response.StatusCode, id)
            : throw new FormatException("202 without a valid id");
    }

    /// <summary>Every line every silo instance printed so far.</summary>
    public List<PrintedLine> Printed() => _deployment.Printed();

    public Task WaitForPrintedAsync(Func<List<PrintedLine>, bool> condition, TimeSpan timeout, string what) =>
        Conditions.WaitForAsync(() => Task.FromResult(condition(Printed())), timeout, what);

    /// <summary>Every line any instance wrote, stdout and stderr.</summary>
    public IEnumerable<string> AllOutput() => _deployment.AllInstances.SelectMany(i => i.StdoutLines().Concat(i.StderrLines()));

    public string Diagnostics() => _deployment.Diagnostics();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _deployment.StopSilosAsync();
        }
        finally
        {
            await _deployment.DisposeAsync();
            Http.Dispose();
        }
    }
}
