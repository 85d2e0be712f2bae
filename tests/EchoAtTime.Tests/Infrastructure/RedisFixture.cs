using StackExchange.Redis;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>A private redis-server and a connection to it, shared by a test collection.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public const string Name = "redis";

    public RedisServer Server { get; } = new();

    public IConnectionMultiplexer Multiplexer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Server.StartAsync();
        Multiplexer = await ConnectionMultiplexer.ConnectAsync(Server.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Multiplexer.DisposeAsync();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition(RedisFixture.Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>;
