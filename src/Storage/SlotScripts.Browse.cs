namespace EchoAtTime.Storage;

/// <summary>The read of a minute for a listing (<see cref="SlotStore.BrowseAsync"/>).</summary>
internal static partial class SlotScripts
{
    /// <summary>
    /// KEYS = list, meta hash, canceled set, nonce hash; ARGV = page size. Returns { {printed cursor,
    /// receipts, epoch record}, length, first page, canceled set (expired ones as -1 - seq), { seq,
    /// move record, … } of the canceled ones that moved }: one consistent picture of the minute;
    /// later pages of a long list are read apart (it only grows at its end).
    /// </summary>
    public const string Browse = EpochRecord + MoveRecordOf + """
        local m = redis.call('HMGET', KEYS[2], 'p', 'r', 'e')
        m[3] = epochRecord(KEYS[1], m[3])
        local canceled = redis.call('SMEMBERS', KEYS[3])
        local moves = {}
        for _, seq in ipairs(canceled) do
          local r = tonumber(seq) >= 0 and moveRecord(KEYS[4], seq)
          if r then moves[#moves + 1] = seq; moves[#moves + 1] = r end
        end
        return { m, redis.call('LLEN', KEYS[1]), redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1), canceled, moves }
        """;
}
