using EchoAtTime.Api.Hosting;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The store-settings readiness check against a private store of this class's own. The first test
/// reads the store's real settings; the others play settings on top of its real answers (Garnet
/// takes no <c>CONFIG SET</c>, and a test must not change a store others share), through the check's
/// one seam, the <c>CONFIG GET</c> of one setting.
/// </summary>
public sealed class StoreSettingsCheckTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly Dictionary<string, string> _played = [];
    private StoreSettingsCheck _check = null!;

    public async Task InitializeAsync()
    {
        _check = new StoreSettingsCheck(redis.Multiplexer, NullLogger<StoreSettingsCheck>.Instance)
        {
            ConfigGet = (server, name) => _played.TryGetValue(name, out var value) ? Task.FromResult<string?>(value) : StoreSettingsCheck.ConfigGetAsync(server, name),
        };
        await _check.StartAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => _check.StopAsync(CancellationToken.None);

    private Task<HealthCheckResult> HealthAsync() => _check.CheckHealthAsync(new HealthCheckContext());

    [Fact]
    public async Task The_stores_own_settings_are_read_at_start_and_the_test_store_is_durable_and_healthy()
    {
        var server = Assert.Single(_check.Durability);
        // redis-server reports all three; Garnet only appendonly (its log is always on here, and it never evicts keys).
        var expected = RedisServer.Kind == StoreKind.Redis ? ("yes", "always", "noeviction") : ("yes", (string?)null, (string?)null);
        Assert.Equal(expected, (server.AppendOnly, server.AppendFsync, server.MaxMemoryPolicy));
        Assert.False(server.LosesAcknowledgedWrites);
        Assert.False(server.EvictsKeys);

        var health = await HealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains($"maxmemory-policy={server.MaxMemoryPolicy ?? "?"}", health.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_can_evict_keys_is_unhealthy_naming_the_policy_and_healthy_again_when_it_cannot()
    {
        _played["maxmemory-policy"] = "allkeys-lru";

        var health = await HealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("allkeys-lru", health.Description, StringComparison.Ordinal);
        Assert.Contains("evicts keys", health.Description, StringComparison.Ordinal);
        Assert.True(Assert.Single(_check.Durability).EvictsKeys);

        _played["maxmemory-policy"] = "noeviction";
        Assert.Equal(HealthStatus.Healthy, (await HealthAsync()).Status);
    }

    [Fact]
    public async Task Appendfsync_everysec_is_healthy_but_reported_as_losing_acknowledged_writes()
    {
        _played["appendfsync"] = "everysec";

        var read = Assert.Single(await _check.RefreshAsync(announce: true));
        Assert.Equal("everysec", read.AppendFsync);
        Assert.True(read.LosesAcknowledgedWrites);
        Assert.False(read.EvictsKeys);
        Assert.Contains("lost if Redis crashes", read.Risk, StringComparison.Ordinal);

        var health = await HealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains("appendfsync=everysec", health.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_refuses_CONFIG_is_noted_and_never_fails_readiness()
    {
        await using var renamed = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", redis.Server.Port } },
            // The client refuses CONFIG as a managed Redis would: same path through the check.
            CommandMap = CommandMap.Create(new HashSet<string> { "CONFIG" }, available: false),
        });
        var check = new StoreSettingsCheck(renamed, NullLogger<StoreSettingsCheck>.Instance);
        await check.StartAsync(CancellationToken.None);

        Assert.Empty(check.Durability);
        Assert.NotNull(check.Unreadable);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        await check.StopAsync(CancellationToken.None);
    }
}
