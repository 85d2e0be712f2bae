using StackExchange.Redis;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>A private redis-server and a connection to it, shared by a test collection.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public const string Name = "redis";

    public RedisServer Server { get; } = new();

    public IConnectionMultiplexer Multiplexer { get; private set; } = null!;

    public Task InitializeAsync() => Cleanup.StartOrDisposeAsync(StartAsync, DisposeAsync);

    private async Task StartAsync()
    {
        await Server.StartAsync();
        Multiplexer = await ConnectionMultiplexer.ConnectAsync(Server.ConnectionString);
    }

    /// <summary>
    /// Safe after a failed start and when called twice; the server is killed whatever the connection does.
    /// </summary>
    public async Task DisposeAsync()
    {
        var multiplexer = Multiplexer;
        Multiplexer = null!;
        await Cleanup.RunAllAsync(
            async () =>
            {
                if (multiplexer is not null)
                {
                    await multiplexer.DisposeAsync();
                }
            },
            async () => await Server.DisposeAsync());
    }
}

[CollectionDefinition(RedisFixture.Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>;
