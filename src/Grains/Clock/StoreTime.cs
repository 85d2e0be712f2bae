using System.Globalization;
using StackExchange.Redis;

namespace EchoAtTime.Grains.Clock;

/// <summary>Reads the store's clock: Redis (and Garnet) <c>TIME</c>, seconds and microseconds since the epoch.</summary>
public static class StoreTime
{
    public static async Task<DateTimeOffset> ReadAsync(IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var result = await redis.GetDatabase().ExecuteAsync("TIME").WaitAsync(cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var seconds = long.Parse((string)parts[0]!, CultureInfo.InvariantCulture);
        var micros = long.Parse((string)parts[1]!, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * (TimeSpan.TicksPerMillisecond / 1000));
    }
}
