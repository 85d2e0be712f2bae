using StackExchange.Redis;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// A private store for tests — redis-server, or Garnet where none is installed (see
/// <see cref="StoreProcess"/>), or with <c>ECHO_TEST_STORE=redis-cluster</c> a Redis Cluster of three
/// masters (<see cref="StoreCluster"/>; <see cref="Port"/> is its first node's) — on free loopback
/// ports and temp dirs, durable (Redis: appendfsync always; Garnet: AOF, committed before a kill), killed
/// and restarted by its own pids on the same ports and dirs.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("echo-redis-").FullName;
    private readonly string? _password;
    private StoreProcess? _store;
    private StoreCluster? _cluster;

    public RedisServer(string? password = null)
    {
        _password = password;
        if (Kind == StoreKind.RedisCluster && password is null)
        {
            _cluster = new StoreCluster();
            Port = _cluster.Nodes[0].Port;
        }
        else
        {
            Port = FreePort();
        }
    }

    public int Port { get; }

    public string? Password => _password;

    /// <summary>Whether this store is a Redis Cluster (then <see cref="ConnectionString"/> names every node).</summary>
    public bool IsCluster => _cluster is not null;

    /// <summary>
    /// Which store this run's tests use (one line for the output: <see cref="StoreProcess.Describe"/>).
    /// </summary>
    public static StoreKind Kind => StoreProcess.DefaultKind;

    public string ConnectionString => _cluster?.ConnectionString
        ?? $"127.0.0.1:{Port},abortConnect=false" + (_password is null ? "" : $",password={_password}");

    public async Task StartAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StartAsync();
            return;
        }

        _store ??= new StoreProcess(Port, _dir, "always", _password);
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
        if (_cluster is not null)
        {
            await _cluster.KillAsync();
        }

        if (_store is not null)
        {
            await _store.KillAsync();
        }
    }

    /// <summary>
    /// Kills the store if it runs (also after a failed start) and deletes its dir; safe to call twice.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var store = _store;
        _store = null;
        if (store is not null)
        {
            await store.DisposeAsync();
        }

        var cluster = _cluster;
        _cluster = null;
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// A free loopback port below the ephemeral range, never handed out twice (<see cref="LoopbackPorts"/>).
    /// </summary>
    public static int FreePort() => LoopbackPorts.Shared.Next();
}
