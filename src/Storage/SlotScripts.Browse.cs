namespace EchoAtTime.Storage;

/// <summary>The read of a minute for a listing (<see cref="SlotStore.BrowseAsync"/>).</summary>
internal static partial class SlotScripts
{
    /// <summary>
    /// KEYS = list, meta hash, canceled set; ARGV = page size. Returns { {printed cursor, receipts,
    /// epoch record}, length, first page, canceled set (expired ones as -1 - seq) }: one consistent
    /// picture of the minute; later pages of a long list are read apart (it only grows at its end).
    /// </summary>
    public const string Browse = EpochRecord + """
        local m = redis.call('HMGET', KEYS[2], 'p', 'r', 'e')
        m[3] = epochRecord(KEYS[1], m[3])
        return { m, redis.call('LLEN', KEYS[1]), redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1), redis.call('SMEMBERS', KEYS[3]) }
        """;
}
