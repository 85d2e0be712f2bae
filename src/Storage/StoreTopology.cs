using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// Whether the store is a Redis Cluster, known once a connection is up (a cluster never turns into one Redis).
/// </summary>
public sealed class StoreTopology(IConnectionMultiplexer redis)
{
    private const int Unknown = 0, Single = 1, Cluster = 2;
    private int _kind;

    public bool IsCluster
    {
        get
        {
            if (_kind == Unknown)
            {
                var servers = redis.GetServers();
                if (servers.Any(s => s.IsConnected))
                {
                    _kind = servers.Any(s => s.ServerType == ServerType.Cluster) ? Cluster : Single;
                }
            }

            return _kind == Cluster;
        }
    }
}
