using EchoAtTime.Api;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The store-settings readiness check against a private redis-server of this class's own (a class
/// fixture, shared with no other class: the tests change its configuration with CONFIG SET). Each
/// test starts from appendonly yes, appendfsync always and noeviction.
/// </summary>
public sealed class StoreSettingsCheckTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly StoreSettingsCheck _check = new(redis.Multiplexer, NullLogger<StoreSettingsCheck>.Instance);

    public async Task InitializeAsync()
    {
        await ConfigSetAsync("appendfsync", "always");
        await ConfigSetAsync("maxmemory-policy", "noeviction");
        await _check.StartAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => _check.StopAsync(CancellationToken.None);

    private async Task ConfigSetAsync(string name, string value) => await redis.Multiplexer.GetDatabase().ExecuteAsync("CONFIG", "SET", name, value);

    private Task<HealthCheckResult> HealthAsync() => _check.CheckHealthAsync(new HealthCheckContext());

    [Fact]
    public async Task A_durable_noeviction_store_is_healthy_and_read_at_start()
    {
        var server = Assert.Single(_check.Durability);
        Assert.Equal(("yes", "always", "noeviction"), (server.AppendOnly, server.AppendFsync, server.MaxMemoryPolicy));
        Assert.False(server.LosesAcknowledgedWrites);
        Assert.False(server.EvictsKeys);

        var health = await HealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains("maxmemory-policy=noeviction", health.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_can_evict_keys_is_unhealthy_naming_the_policy_and_healthy_again_when_it_cannot()
    {
        await ConfigSetAsync("maxmemory-policy", "allkeys-lru");

        var health = await HealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("allkeys-lru", health.Description, StringComparison.Ordinal);
        Assert.Contains("evicts keys", health.Description, StringComparison.Ordinal);
        Assert.True(Assert.Single(_check.Durability).EvictsKeys);

        await ConfigSetAsync("maxmemory-policy", "noeviction");
        Assert.Equal(HealthStatus.Healthy, (await HealthAsync()).Status);
    }

    [Fact]
    public async Task Appendfsync_everysec_is_healthy_but_reported_as_losing_acknowledged_writes()
    {
        await ConfigSetAsync("appendfsync", "everysec");

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
