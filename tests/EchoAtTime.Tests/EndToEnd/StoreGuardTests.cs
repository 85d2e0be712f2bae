using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EchoAtTime.Tests.Infrastructure;
using StackExchange.Redis;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// A real silo refuses writes (503, saying why) while its store can lose what it would acknowledge,
/// not only its readiness. On redis-server the store is switched at run time with <c>CONFIG SET</c>;
/// on Garnet (no redis-server, or <c>ECHO_TEST_STORE=garnet</c>) the tests' Garnet is weak by itself
/// (no commit wait) and one started without a storage tier evicts.
/// </summary>
public sealed class StoreGuardTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _dir = Directory.CreateTempSubdirectory("echo-store-guard-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<IAsyncDisposable> _owned = [];

    private static bool OnRedis => RedisServer.Kind != StoreKind.Garnet;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    public void Dispose() => _http.Dispose();

    private async Task<StoreProcess> StartStoreAsync(bool withoutStorageTier = false)
    {
        var store = new StoreProcess(RedisServer.FreePort(), _dir, kind: OnRedis ? StoreKind.Redis : StoreKind.Garnet) { WithoutStorageTier = withoutStorageTier };
        _owned.Add(store);
        await store.StartAsync();
        return store;
    }

    private ServiceProcess StartSilo(StoreProcess store, string name, bool allowWeakDurability)
    {
        var silo = TestService.Start(name, TestService.SiloDll, TestService.SiloEnvironment(store.ConnectionString, $"{name}-{Guid.NewGuid():N}", new Dictionary<string, string>
        {
            ["Echo__AllowWeakDurability"] = allowWeakDurability ? "true" : "false",
        }));
        _owned.Add(silo);
        return silo;
    }

    private static async Task ConfigSetAsync(StoreProcess store, string name, string value)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(store.ConnectionString + ",allowAdmin=true");
        await admin.GetServers()[0].ConfigSetAsync(name, value);
    }

    /// <summary>
    /// Until the readiness probe (which reads the store's settings again) answers 503: the silo has seen the change.
    /// </summary>
    private Task NotReadyAsync(ServiceProcess silo) => Conditions.WaitForAsync(async () =>
    {
        try
        {
            using var ready = await _http.GetAsync(new Uri(silo.BaseUrl, "health/ready"));
            return ready.StatusCode == HttpStatusCode.ServiceUnavailable;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }, StartTimeout, $"{silo.Name} stayed ready on a store that can lose messages\n{silo.StderrTail()}");

    private async Task<(HttpStatusCode Status, string? Detail)> PostAsync(ServiceProcess silo)
    {
        var due = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var response = await _http.PostAsJsonAsync(new Uri(silo.BaseUrl, "echoAtTime"), new { time = due, message = "kept?" });
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            return (response.StatusCode, null);
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Writes_answer_503_saying_why_while_the_store_can_lose_acknowledged_writes_and_202_once_weak_durability_is_allowed()
    {
        var store = await StartStoreAsync();
        var strict = StartSilo(store, "strict", allowWeakDurability: false);
        var accepting = StartSilo(store, "accepting", allowWeakDurability: true);
        if (OnRedis)
        {
            await strict.WaitUntilReadyAsync(_http, StartTimeout);
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(strict)).Status);
            await ConfigSetAsync(store, "appendfsync", "everysec");
        }

        await NotReadyAsync(strict);
        var (status, detail) = await PostAsync(strict);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains(OnRedis ? "appendfsync everysec" : "aof-commit-wait no", detail, StringComparison.Ordinal);
        Assert.Contains("Echo:AllowWeakDurability=true", detail, StringComparison.Ordinal);
        await accepting.WaitUntilReadyAsync(_http, StartTimeout);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(accepting)).Status);
    }

    [Fact]
    public async Task Writes_answer_503_while_the_store_can_evict_keys_even_with_weak_durability_allowed()
    {
        var store = await StartStoreAsync(withoutStorageTier: !OnRedis);
        var silo = StartSilo(store, "evicted", allowWeakDurability: true);
        if (OnRedis)
        {
            await silo.WaitUntilReadyAsync(_http, StartTimeout);
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(silo)).Status);
            await ConfigSetAsync(store, "maxmemory-policy", "allkeys-lru");
        }

        await NotReadyAsync(silo);
        var (status, detail) = await PostAsync(silo);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains(OnRedis ? "maxmemory-policy allkeys-lru evicts keys" : "without a storage tier", detail, StringComparison.Ordinal);
    }
}
