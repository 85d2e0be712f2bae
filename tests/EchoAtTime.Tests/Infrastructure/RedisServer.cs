using StackExchange.Redis;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// A private store for tests — redis-server, or Garnet where none is installed (see
/// <see cref="StoreProcess"/>) — on its own free loopback port and temp dir, durable (Redis:
/// appendfsync always; Garnet: AOF with commit wait), killed and restarted by its own pid on the
/// same port and dir.
/// </summary>
public sealed class RedisServer(string? password = null) : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("echo-redis-").FullName;
    private StoreProcess? _store;

    public int Port { get; } = FreePort();

    public string? Password => password;

    /// <summary>Which store this run's tests use (one line for the output: <see cref="StoreProcess.Describe"/>).</summary>
    public static StoreKind Kind => StoreProcess.DefaultKind;

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false" + (password is null ? "" : $",password={password}");

    public async Task StartAsync()
    {
        _store ??= new StoreProcess(Port, _dir, "always", password);
        await _store.StartAsync();
        await Conditions.WaitForAsync(async () =>
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=200");
                await probe.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisConnectionException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), "the store did not answer a client");
    }

    /// <summary>SIGKILL, then wait for the process to be gone.</summary>
    public async Task KillAsync()
    {
        if (_store is not null)
        {
            await _store.KillAsync();
        }
    }

    /// <summary>Kills the store if it runs (also after a failed start) and deletes its dir; safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        var store = _store;
        _store = null;
        if (store is not null)
        {
            await store.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A free loopback port below the ephemeral range, never handed out twice (<see cref="LoopbackPorts"/>).</summary>
    public static int FreePort() => LoopbackPorts.Shared.Next();
}
