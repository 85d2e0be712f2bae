namespace EchoAtTime.Grains.Storage;

/// <summary>
/// The Lua scripts on one slot's keys (KEYS[1] = message list, KEYS[2] = meta hash). Each runs
/// atomically, which is what makes the fence, the close and the drain race-free.
/// Meta fields: v = fence version, p = printed cursor, n = printing cursor, c = printed count,
/// x = closed (no more messages may join this slot).
/// Cursors are opaque decimal strings to Lua: they exceed what Lua's tostring keeps exact.
/// </summary>
internal static class SlotScripts
{
    /// <summary>
    /// ARGV = smallest due offset among the elements, then the elements. Returns { new length },
    /// { -1 } when the slot is closed, or { -2, floor } when an element would sort at or before what
    /// is already printing: the floor is the offset of the printing cursor, which a duplicate
    /// activation may have moved past the caller's view. Cursors are below 2^48, so tonumber and
    /// the division are exact.
    /// </summary>
    public const string Append = """
        local m = redis.call('HMGET', KEYS[2], 'x', 'n')
        if m[1] then return { -1 } end
        if m[2] then
          local floor = math.floor(tonumber(m[2]) / 4294967296)
          if tonumber(ARGV[1]) < floor then return { -2, floor } end
        end
        return { redis.call('RPUSH', KEYS[1], unpack(ARGV, 2)) }
        """;

    /// <summary>
    /// ARGV = page size. Returns { {v, p, n, x}, length, first page }; the rest is read in pages
    /// (the list only grows at its end, so later pages stay consistent with this snapshot).
    /// </summary>
    public const string Load = """
        local m = redis.call('HMGET', KEYS[2], 'v', 'p', 'n', 'x')
        return { m, redis.call('LLEN', KEYS[1]), redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1) }
        """;

    /// <summary>
    /// ARGV = version, printed cursor, printed count, printing cursor, loaded count.
    /// Fails (false) unless the caller holds the current version; otherwise bumps it, records
    /// progress and returns the elements appended after what the caller loaded. The printing
    /// cursor never moves back: what a dead owner declared stays "maybe printed" until passed.
    /// </summary>
    public const string Commit = """
        local m = redis.call('HMGET', KEYS[2], 'v', 'n')
        if (m[1] or '0') ~= ARGV[1] then return false end
        local n = ARGV[4]
        if m[2] and tonumber(m[2]) > tonumber(n) then n = m[2] end
        redis.call('HSET', KEYS[2], 'v', ARGV[1] + 1, 'p', ARGV[2], 'c', ARGV[3], 'n', n)
        return redis.call('LRANGE', KEYS[1], ARGV[5], -1)
        """;

    /// <summary>
    /// ARGV = retention seconds. Closes the slot when everything in it has been printed (or it is
    /// empty): no message can join it afterwards, and its list is deleted. Returns 1 when closed.
    /// </summary>
    public const string Close = """
        if redis.call('HEXISTS', KEYS[2], 'x') == 1 then return 1 end
        local len = redis.call('LLEN', KEYS[1])
        if len > tonumber(redis.call('HGET', KEYS[2], 'c') or '0') then return 0 end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[2], 'x', '1', 'c', len)
        redis.call('EXPIRE', KEYS[2], ARGV[1])
        return 1
        """;

    /// <summary>
    /// ARGV = version, loaded count, retention seconds. Deletes a fully printed slot's list, keeping
    /// the small meta hash for the retention. Returns 'D' when drained (by us or a successor), 'F' when
    /// fenced, or the unseen tail when messages arrived that the caller has not loaded.
    /// </summary>
    public const string Drain = """
        local m = redis.call('HMGET', KEYS[2], 'v', 'x')
        if m[2] then return 'D' end
        if (m[1] or '0') ~= ARGV[1] then return 'F' end
        local len = redis.call('LLEN', KEYS[1])
        if len ~= tonumber(ARGV[2]) then return redis.call('LRANGE', KEYS[1], ARGV[2], -1) end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[2], 'x', '1', 'c', len)
        redis.call('EXPIRE', KEYS[2], ARGV[3])
        return 'D'
        """;
}
