using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace EchoAtTime.Testing;

/// <summary>
/// A Redis Cluster of its own on loopback: <c>masters</c> redis-server nodes in cluster mode (each
/// with <c>replicasPerMaster</c> replicas), durable like <see cref="StoreProcess"/>, formed with
/// <c>redis-cli --cluster create</c>, and ready once every node reports <c>cluster_state:ok</c>.
/// Each node keeps its port and dir (nodes.conf in it), so a node killed and started again rejoins
/// as what it was; every process is stopped by its own pid.
/// </summary>
public sealed class StoreCluster : IAsyncDisposable
{
    public const int DefaultMasters = 3;

    private static readonly TimeSpan FormTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("echo-cluster-").FullName;
    private readonly int _replicasPerMaster;
    private readonly string _appendFsync;
    private bool _formed;

    public StoreCluster(int masters = DefaultMasters, int replicasPerMaster = 0, string appendFsync = "always", int? firstPort = null)
    {
        _replicasPerMaster = replicasPerMaster;
        _appendFsync = appendFsync;
        var count = masters * (1 + replicasPerMaster);
        Nodes = [.. Enumerable.Range(0, count).Select(i =>
        {
            var port = i == 0 && firstPort is { } first ? first : LoopbackPorts.Shared.NextWithCompanion();
            return new StoreProcess(port, Path.Combine(_root, port.ToString(CultureInfo.InvariantCulture)), appendFsync, kind: StoreKind.Redis, clusterNode: true);
        })];
    }

    /// <summary>Every node; the first <c>masters</c> start out as masters, the others as their replicas.</summary>
    public IReadOnlyList<StoreProcess> Nodes { get; }

    /// <summary>Every node's address: a client discovers the slot map from any of them.</summary>
    public string ConnectionString =>
        string.Join(',', Nodes.Select(n => $"127.0.0.1:{n.Port.ToString(CultureInfo.InvariantCulture)}")) + ",abortConnect=false";

    public string AppendFsync => _appendFsync;

    /// <summary>Starts every node; the first time, forms the cluster; then waits until all say it is ok.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(Nodes.Select(n => n.StartAsync(cancellationToken)));
        if (!_formed)
        {
            await CreateAsync(cancellationToken);
            _formed = true;
        }

        await WaitUntilOkAsync(cancellationToken);
    }

    /// <summary><c>kill -9</c> of every node.</summary>
    public Task KillAsync() => Task.WhenAll(Nodes.Select(n => n.KillAsync()));

    /// <summary>Waits until every running node reports <c>cluster_state:ok</c> with all 16 384 slots served.</summary>
    public async Task WaitUntilOkAsync(CancellationToken cancellationToken = default)
    {
        await Conditions.WaitForAsync(async () =>
        {
            foreach (var node in Nodes.Where(n => !n.HasExited))
            {
                var info = await InfoAsync(node);
                if (!info.Contains("cluster_state:ok", StringComparison.Ordinal) || !info.Contains("cluster_slots_ok:16384", StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }, FormTimeout, $"the cluster on {ConnectionString} did not report cluster_state:ok");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// <c>kill -9</c> of a master that has a connected replica, chosen by <paramref name="random"/>;
    /// the cluster then promotes the replica (after <c>cluster-node-timeout</c>). Returns the node killed.
    /// </summary>
    public async Task<StoreProcess> KillMasterAsync(Random random)
    {
        var masters = new List<StoreProcess>();
        foreach (var node in Nodes.Where(n => !n.HasExited))
        {
            var replication = await AskAsync(node, "INFO", "replication");
            if (replication.Contains("role:master", StringComparison.Ordinal) && !replication.Contains("connected_slaves:0", StringComparison.Ordinal))
            {
                masters.Add(node);
            }
        }

        if (masters.Count == 0)
        {
            throw new InvalidOperationException("No master with a connected replica to fail over.");
        }

        var victim = masters[random.Next(masters.Count)];
        await victim.KillAsync();
        return victim;
    }

    /// <summary>
    /// Waits until the other nodes marked <paramref name="dead"/> as failed and serve all slots again (a replica took
    /// its place).
    /// </summary>
    public Task WaitUntilFailedOverAsync(StoreProcess dead, CancellationToken cancellationToken = default) =>
        Conditions.WaitForAsync(async () =>
        {
            foreach (var node in Nodes.Where(n => !n.HasExited))
            {
                var info = await InfoAsync(node);
                var line = (await AskAsync(node, "CLUSTER", "NODES")).Split('\n')
                    .FirstOrDefault(l => l.Contains($"127.0.0.1:{dead.Port.ToString(CultureInfo.InvariantCulture)}@", StringComparison.Ordinal)) ?? "";
                var flags = line.Split(' ').ElementAtOrDefault(2) ?? "";
                if (!info.Contains("cluster_state:ok", StringComparison.Ordinal) || !info.Contains("cluster_slots_ok:16384", StringComparison.Ordinal)
                    || !flags.Split(',').Contains("fail"))
                {
                    return false;
                }
            }

            return true;
        }, FormTimeout, $"the cluster did not fail over from the node on port {dead.Port}");

    /// <summary>CLUSTER INFO of one node, "" when it does not answer.</summary>
    public static Task<string> InfoAsync(StoreProcess node) => AskAsync(node, "CLUSTER", "INFO");

    /// <summary>
    /// One command to one node on a connection of its own (no redirects), its reply as text; "" when it does not
    /// answer.
    /// </summary>
    private static async Task<string> AskAsync(StoreProcess node, string command, params string[] args)
    {
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(
                new ConfigurationOptions { EndPoints = { { "127.0.0.1", node.Port } }, ConnectTimeout = 500, AbortOnConnectFail = true });
            var server = connection.GetServer("127.0.0.1", node.Port);
            return (string?)await server.ExecuteAsync(command, args) ?? "";
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return "";
        }
    }

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("redis-cli")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "--cluster", "create" },
        };
        foreach (var node in Nodes)
        {
            info.ArgumentList.Add($"127.0.0.1:{node.Port.ToString(CultureInfo.InvariantCulture)}");
        }

        info.ArgumentList.Add("--cluster-replicas");
        info.ArgumentList.Add(_replicasPerMaster.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--cluster-yes");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start (apt-get install -y redis-tools).");
        OrphanGuard.Adopt(process);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(FormTimeout);
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create exited with {process.ExitCode}: {await output}{await errors}");
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            OrphanGuard.Release(process.Id);
        }
    }
}
