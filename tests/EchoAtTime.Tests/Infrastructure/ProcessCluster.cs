using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// A deployment of real processes for one failure test: a private redis-server (AOF, fsync always)
/// and N silos with JSON output, each restartable with the same ports. Every instance ever started
/// is kept, so lines printed by a silo before it was killed are still counted.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly List<ServiceProcess> _instances = [];
    private readonly Dictionary<string, string>[] _environments;
    private readonly ServiceProcess?[] _silos;
    private readonly HashSet<string> _killed = new(StringComparer.Ordinal);

    private ProcessCluster(int silos, IReadOnlyDictionary<string, string>? settings, string? redisPassword)
    {
        Redis = new RedisServer(redisPassword);
        _silos = new ServiceProcess?[silos];
        _environments = [.. Enumerable.Range(0, silos).Select(_ => TestService.SiloEnvironment(Redis.ConnectionString, ClusterId, settings))];
    }

    public RedisServer Redis { get; }

    public string ClusterId { get; } = $"fail-{Guid.NewGuid():N}";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public ServiceProcess Silo(int index) => _silos[index] ?? throw new InvalidOperationException($"Silo {index} is not running.");

    public static async Task<ProcessCluster> StartAsync(int silos, IReadOnlyDictionary<string, string>? settings = null, string? redisPassword = null)
    {
        var cluster = new ProcessCluster(silos, settings, redisPassword);
        try
        {
            await cluster.Redis.StartAsync();
            await Task.WhenAll(Enumerable.Range(0, silos).Select(cluster.StartSiloAsync));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts (or restarts) silo <paramref name="index"/> with its ports and waits until it is ready.
    /// </summary>
    public async Task StartSiloAsync(int index)
    {
        var instance = TestService.Start($"silo{index}#{_instances.Count}", TestService.SiloDll, _environments[index]);
        _instances.Add(instance);
        _silos[index] = instance;
        try
        {
            await instance.WaitUntilReadyAsync(Http, StartTimeout);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{instance.Name} did not start: {ex.Message}\n{Diagnostics()}", ex);
        }
    }

    /// <summary>
    /// The instances ended by <see cref="KillSiloAsync"/>: the ones whose work may be printed again, flagged.
    /// </summary>
    public IReadOnlySet<string> Killed => _killed;

    public async Task KillSiloAsync(int index)
    {
        _killed.Add(Silo(index).Name);
        await Silo(index).KillAsync();
        _silos[index] = null;
    }

    public async Task StopSiloAsync(int index)
    {
        await Silo(index).StopAsync(StopTimeout);
        _silos[index] = null;
    }

    public Task StopAllSilosAsync() =>
        Task.WhenAll(Enumerable.Range(0, _silos.Length).Where(i => _silos[i] is not null).Select(StopSiloAsync));

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
    public List<PrintedLine> Printed() =>
        _instances.Where(i => i.Name.StartsWith("silo", StringComparison.Ordinal))
            .SelectMany(i => i.Printed())
            .ToList();

    public Task WaitForPrintedAsync(Func<List<PrintedLine>, bool> condition, TimeSpan timeout, string what) =>
        Conditions.WaitForAsync(() => Task.FromResult(condition(Printed())), timeout, what);

    /// <summary>Every line any instance wrote, stdout and stderr.</summary>
    public IEnumerable<string> AllOutput() => _instances.SelectMany(i => i.StdoutLines().Concat(i.StderrLines()));

    public string Diagnostics() => string.Join(Environment.NewLine, _instances.Select(p => p.StderrTail()));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAllSilosAsync();
        }
        finally
        {
            foreach (var instance in _instances)
            {
                await instance.DisposeAsync();
            }

            await Redis.DisposeAsync();
            Http.Dispose();
        }
    }
}
