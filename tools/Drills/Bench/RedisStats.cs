using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// Reads Redis's own counters for the figures: <c>INFO</c> (commandstats, memory, server), <c>SCAN</c>
/// and <c>MEMORY USAGE</c>, and lists' contents (<c>LRANGE</c>) for the scale scenario's store check,
/// over a connection of its own opened before a phase starts. During a phase it sends only <c>INFO</c>,
/// which the figures leave out. On a Redis Cluster it holds one connection per master: counters are
/// summed over them, keys are read where they live (the node that listed them, else the node that
/// does not answer <c>MOVED</c>).
/// </summary>
public sealed class RedisStats : IAsyncDisposable
{
    private const string ScanPageSize = "1000";

    private readonly Node[] _nodes;
    private readonly Dictionary<string, int> _home = new(StringComparer.Ordinal);

    private RedisStats(Node[] nodes) => _nodes = nodes;

    /// <summary>One connection to each of <paramref name="ports"/>: one Redis, or every master of a cluster.</summary>
    public static async Task<RedisStats> ConnectAsync(IReadOnlyList<int> ports) =>
        new(await Task.WhenAll(ports.Select(async port => new Node(await RespConnection.ConnectAsync(port)))));

    public async Task<CommandStats> CommandStatsAsync() =>
        CommandStats.Sum(await Task.WhenAll(_nodes.Select(async n => CommandStats.Parse(await InfoAsync(n, "commandstats")))));

    /// <summary><c>used_memory</c> of <c>INFO memory</c>, bytes, summed over the nodes.</summary>
    public async Task<long> UsedMemoryAsync()
    {
        var infos = await Task.WhenAll(_nodes.Select(n => InfoAsync(n, "memory")));
        return infos.Sum(info => long.Parse(Field(info, "used_memory") ?? "0", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// "redis 7.0.15", "redis 7.0.15, cluster of 3 masters", or "garnet 2.2.8" (Garnet also reports a redis_version:
    /// the one it is compatible with).
    /// </summary>
    public async Task<string> VersionAsync()
    {
        var server = await InfoAsync(_nodes[0], "server");
        var version = Field(server, "garnet_version") is { } garnet ? $"garnet {garnet}" : $"redis {Field(server, "redis_version") ?? "unknown"}";
        return _nodes.Length > 1 ? string.Create(CultureInfo.InvariantCulture, $"{version}, cluster of {_nodes.Length} masters") : version;
    }

    /// <summary>Every key of every node, by <c>SCAN</c> (never <c>KEYS</c>, which blocks the server).</summary>
    public async Task<HashSet<string>> KeysAsync()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 0; n < _nodes.Length; n++)
        {
            var cursor = "0";
            do
            {
                var reply = (object?[])(await _nodes[n].CommandAsync("SCAN", cursor, "COUNT", ScanPageSize))!;
                cursor = (string)reply[0]!;
                foreach (var key in ((object?[])reply[1]!).Cast<string>())
                {
                    keys.Add(key);
                    _home[key] = n;
                }
            }
            while (cursor != "0");
        }

        return keys;
    }

    /// <summary>
    /// <c>MEMORY USAGE key SAMPLES 0</c>: exact (every element counted), bytes; 0 for a key that is gone.
    /// </summary>
    public async Task<long> MemoryUsageAsync(string key) =>
        await OnKeyAsync(key, "MEMORY", "USAGE", key, "SAMPLES", "0") is long bytes ? bytes : 0;

    /// <summary>
    /// <c>LRANGE key start stop</c>: the elements at those indexes (inclusive), fewer at the end of the list.
    /// </summary>
    public async Task<string[]> ListRangeAsync(string key, long start, long stop) =>
        await OnKeyAsync(key, "LRANGE", key, start.ToString(CultureInfo.InvariantCulture), stop.ToString(CultureInfo.InvariantCulture)) is object?[] items
            ? [.. items.Select(item => item as string ?? "")]
            : [];

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    /// <summary>
    /// A command on the node that serves <paramref name="key"/>: where SCAN found it, else the first that does not
    /// redirect.
    /// </summary>
    private async Task<object?> OnKeyAsync(string key, params string[] args)
    {
        if (_home.TryGetValue(key, out var home))
        {
            return await _nodes[home].CommandAsync(args);
        }

        for (var n = 0; ; n++)
        {
            try
            {
                var reply = await _nodes[n].CommandAsync(args);
                _home[key] = n;
                return reply;
            }
            catch (InvalidDataException ex) when (n < _nodes.Length - 1 && ex.Message.Contains("MOVED", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<string> InfoAsync(Node node, string section) => (string?)await node.CommandAsync("INFO", section) ?? "";

    private static string? Field(string info, string field)
    {
        var prefix = field + ":";
        return info.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault(line => line.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    /// <summary>One node's connection, one command at a time: replies are matched to requests by order.</summary>
    private sealed class Node(RespConnection connection) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public async Task<object?> CommandAsync(params string[] args)
        {
            await _gate.WaitAsync();
            try
            {
                return await connection.CommandAsync(args);
            }
            finally
            {
                _gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await connection.DisposeAsync();
            _gate.Dispose();
        }
    }
}
