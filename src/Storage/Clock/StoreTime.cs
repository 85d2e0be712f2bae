using System.Globalization;
using StackExchange.Redis;

namespace EchoAtTime.Storage.Clock;

/// <summary>
/// Reads the store's clock: Redis (and Garnet) <c>TIME</c>, seconds and microseconds since the epoch. The cluster's one
/// clock is the server that holds the pending index: on one Redis the server, on Redis Cluster the master of the
/// index's hash slot. A keyless <c>TIME</c> goes to whichever node the client picks, and silos measuring against
/// different machines' clocks would not share one clock.
/// </summary>
public static class StoreTime
{
    // The pending index's hash tag (RedisKeys): the same hash slot whatever the key prefix, so every silo reads one
    // node.
    private static readonly RedisKey[] OneClockNode = ["{slots}"];

    public static async Task<DateTimeOffset> ReadAsync(IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var result = await redis.GetDatabase().ScriptEvaluateAsync("return redis.call('TIME')", OneClockNode).WaitAsync(cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var seconds = long.Parse((string)parts[0]!, CultureInfo.InvariantCulture);
        var micros = long.Parse((string)parts[1]!, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * (TimeSpan.TicksPerMillisecond / 1000));
    }
}
