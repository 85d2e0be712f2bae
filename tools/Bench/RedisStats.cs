using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// Reads Redis's own counters for the figures: <c>INFO</c> (commandstats, memory, server), <c>SCAN</c>
/// and <c>MEMORY USAGE</c>, and lists' contents (<c>LRANGE</c>) for the scale scenario's store check,
/// over a connection of its own opened before a phase starts. During a phase it sends only <c>INFO</c>,
/// which the figures leave out.
/// </summary>
public sealed class RedisStats : IAsyncDisposable
{
    private const string ScanPageSize = "1000";

    private readonly RespConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private RedisStats(RespConnection connection) => _connection = connection;

    public static async Task<RedisStats> ConnectAsync(int port) => new(await RespConnection.ConnectAsync(port));

    public async Task<CommandStats> CommandStatsAsync() => CommandStats.Parse(await InfoAsync("commandstats"));

    /// <summary><c>used_memory</c> of <c>INFO memory</c>, bytes.</summary>
    public async Task<long> UsedMemoryAsync() =>
        long.Parse(Field(await InfoAsync("memory"), "used_memory") ?? "0", CultureInfo.InvariantCulture);

    /// <summary>"redis 7.0.15", or "garnet 2.2.8" (Garnet also reports a redis_version: the one it is compatible with).</summary>
    public async Task<string> VersionAsync()
    {
        var server = await InfoAsync("server");
        return Field(server, "garnet_version") is { } garnet ? $"garnet {garnet}" : $"redis {Field(server, "redis_version") ?? "unknown"}";
    }

    /// <summary>Every key, by <c>SCAN</c> (never <c>KEYS</c>, which blocks the server).</summary>
    public async Task<HashSet<string>> KeysAsync()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var cursor = "0";
        do
        {
            var reply = (object?[])(await CommandAsync("SCAN", cursor, "COUNT", ScanPageSize))!;
            cursor = (string)reply[0]!;
            keys.UnionWith(((object?[])reply[1]!).Cast<string>());
        }
        while (cursor != "0");

        return keys;
    }

    /// <summary><c>MEMORY USAGE key SAMPLES 0</c>: exact (every element counted), bytes; 0 for a key that is gone.</summary>
    public async Task<long> MemoryUsageAsync(string key) =>
        await CommandAsync("MEMORY", "USAGE", key, "SAMPLES", "0") is long bytes ? bytes : 0;

    /// <summary><c>LRANGE key start stop</c>: the elements at those indexes (inclusive), fewer at the end of the list.</summary>
    public async Task<string[]> ListRangeAsync(string key, long start, long stop) =>
        await CommandAsync("LRANGE", key, start.ToString(CultureInfo.InvariantCulture), stop.ToString(CultureInfo.InvariantCulture)) is object?[] items
            ? [.. items.Select(item => item as string ?? "")]
            : [];

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _gate.Dispose();
    }

    private async Task<string> InfoAsync(string section) => (string?)await CommandAsync("INFO", section) ?? "";

    /// <summary>One command at a time: replies are matched to requests by order.</summary>
    private async Task<object?> CommandAsync(params string[] args)
    {
        await _gate.WaitAsync();
        try
        {
            return await _connection.CommandAsync(args);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string? Field(string info, string field)
    {
        var prefix = field + ":";
        return info.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault(line => line.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }
}
