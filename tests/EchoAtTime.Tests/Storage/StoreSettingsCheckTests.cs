using EchoAtTime.Api.Hosting;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The store-settings check against a private store of this class's own. The first test reads the
/// store's real settings; the others play settings on top of its real answers (Garnet takes no
/// <c>CONFIG SET</c>, and a test must not change a store others share), through the check's seams,
/// the <c>CONFIG GET</c> of one setting and Garnet's log directory.
/// </summary>
public sealed class StoreSettingsCheckTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly Dictionary<string, string> _played = [];
    private readonly List<StoreSettingsCheck> _checks = [];
    private string? _playedLogDir;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var check in _checks)
        {
            await check.StopAsync(CancellationToken.None);
            check.Dispose();
        }
    }

    private async Task<StoreSettingsCheck> StartAsync(bool allowWeakDurability = false, IConnectionMultiplexer? multiplexer = null)
    {
        var check = new StoreSettingsCheck(multiplexer ?? redis.Multiplexer, Options.Create(new ApiOptions { AllowWeakDurability = allowWeakDurability }), NullLogger<StoreSettingsCheck>.Instance)
        {
            ConfigGet = (server, name) => _played.TryGetValue(name, out var value) ? Task.FromResult<string?>(value) : StoreSettingsCheck.ConfigGetAsync(server, name),
            LogDirGet = server => _playedLogDir is { } dir ? Task.FromResult<string?>(dir) : StoreSettingsCheck.LogDirGetAsync(server),
        };
        _checks.Add(check);
        await check.StartAsync(CancellationToken.None);
        return check;
    }

    private static Task<HealthCheckResult> HealthAsync(StoreSettingsCheck check) => check.CheckHealthAsync(new HealthCheckContext());

    [Fact]
    public async Task The_stores_own_settings_are_read_at_start_and_judged()
    {
        var check = await StartAsync();
        var server = Assert.Single(check.Durability);
        if (RedisServer.Kind == StoreKind.Redis)
        {
            Assert.Equal(("yes", "always", "noeviction", (string?)null, (string?)null), (server.AppendOnly, server.AppendFsync, server.MaxMemoryPolicy, server.AofCommitWait, server.LogDir));
            Assert.Null(check.WriteRefusal);
            Assert.Equal(HealthStatus.Healthy, (await HealthAsync(check)).Status);
            return;
        }

        // Garnet reports appendonly, commit wait and its log directory; the tests' Garnet runs without commit wait
        // (StoreProcess).
        Assert.Equal(("yes", (string?)null, (string?)null, "no"), (server.AppendOnly, server.AppendFsync, server.MaxMemoryPolicy, server.AofCommitWait));
        Assert.False(string.IsNullOrEmpty(server.LogDir));
        Assert.False(server.EvictsKeys);
        Assert.Contains("aof-commit-wait no", check.WriteRefusal, StringComparison.Ordinal);
        var accepted = await StartAsync(allowWeakDurability: true);
        Assert.Null(accepted.WriteRefusal);
        Assert.Equal(HealthStatus.Healthy, (await HealthAsync(accepted)).Status);
    }

    [Fact]
    public async Task A_store_that_can_evict_keys_refuses_writes_naming_the_policy_even_with_weak_durability_allowed_and_accepts_them_again_when_it_cannot()
    {
        var check = await StartAsync(allowWeakDurability: true);
        _played["maxmemory-policy"] = "allkeys-lru";

        var health = await HealthAsync(check);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("maxmemory-policy allkeys-lru evicts keys", health.Description, StringComparison.Ordinal);
        Assert.Contains("maxmemory-policy allkeys-lru evicts keys", check.WriteRefusal, StringComparison.Ordinal);

        _played["maxmemory-policy"] = "noeviction";
        Assert.Equal(HealthStatus.Healthy, (await HealthAsync(check)).Status);
        Assert.Null(check.WriteRefusal);
    }

    [Fact]
    public async Task A_Garnet_without_a_storage_tier_counts_as_evicting()
    {
        var check = await StartAsync(allowWeakDurability: true);
        _playedLogDir = "";

        await check.RefreshAsync(announce: true);

        Assert.True(Assert.Single(check.Durability).EvictsKeys);
        Assert.Contains("without a storage tier", check.WriteRefusal, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, (await HealthAsync(check)).Status);
    }

    [Theory]
    [InlineData("appendfsync", "everysec")]
    [InlineData("appendonly", "no")]
    [InlineData("aof-commit-wait", "no")]
    public async Task A_store_that_can_lose_acknowledged_writes_refuses_writes_unless_weak_durability_is_allowed(string setting, string value)
    {
        _played["aof-commit-wait"] = "yes"; // the tests' Garnet runs without it: play the durable store first
        _played[setting] = value;
        var strict = await StartAsync();
        var accepting = await StartAsync(allowWeakDurability: true);

        var read = Assert.Single(strict.Durability);
        Assert.True(read.LosesAcknowledgedWrites);
        Assert.False(read.EvictsKeys);
        Assert.Contains($"{setting} {value}", strict.WriteRefusal, StringComparison.Ordinal);
        Assert.Contains("Echo:AllowWeakDurability=true", strict.WriteRefusal, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, (await HealthAsync(strict)).Status);

        Assert.Null(accepting.WriteRefusal);
        var health = await HealthAsync(accepting);
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains($"{setting}={value}", health.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_refuses_CONFIG_leaves_the_settings_unknown_and_writes_and_readiness_allowed()
    {
        await using var renamed = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", redis.Server.Port } },
            Password = redis.Server.Password,
            // The client refuses CONFIG as a managed Redis would: same path through the check.
            CommandMap = CommandMap.Create(new HashSet<string> { "CONFIG" }, available: false),
        });
        var check = new StoreSettingsCheck(renamed, Options.Create(new ApiOptions()), NullLogger<StoreSettingsCheck>.Instance);
        await check.StartAsync(CancellationToken.None);

        Assert.Empty(check.Durability);
        Assert.NotNull(check.Unreadable);
        Assert.Null(check.WriteRefusal);
        var health = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains("unknown, can't be checked", health.Description, StringComparison.Ordinal);
        await check.StopAsync(CancellationToken.None);
        check.Dispose();
    }
}
