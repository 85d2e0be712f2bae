namespace EchoAtTime.Storage;

/// <summary>
/// The scripts of idempotency keys: a key's reservation (in a hash slot of its own) and the keyed
/// append on a minute's keys; no script touches both (Redis Cluster).
/// </summary>
internal static partial class SlotScripts
{
    /// <summary>
    /// Append of messages with idempotency keys, each under its reservation's nonce (see
    /// <see cref="Reserve"/>). KEYS[3] = the minute's nonce hash: nonce → the id stored under it, or
    /// '>' once the nonce moved on to a later minute (then it never stores here). ARGV = store epoch,
    /// retention seconds, then per element: nonce, due ms, element, '1' when it may be stored here
    /// ('0': its due time lies beyond this minute). Per element the reply holds the id already stored
    /// under its nonce, the new sequence (a number), '>' when it must go on (closed, or beyond), or ''
    /// (below the floor: try again here, later). The head is { 0, epochs }, { -1, '' } or { -2, floor }
    /// as the guard of <see cref="Append"/> refuses. A nonce is looked up before any refusal, so a repeat is answered
    /// whatever the minute's state; and a minute it moved on from is marked before the reservation
    /// moves, so an append still on its way there cannot store it a second time.
    /// </summary>
    public const string AppendKeyed = AppendGuard + """
        local epoch = ARGV[1]
        local results = {}
        local wanted = {}
        local minOffset = nil
        for k = 1, (#ARGV - 2) / 4 do
          local a = 3 + (k - 1) * 4
          local seen = redis.call('HGET', KEYS[3], ARGV[a])
          if seen then
            results[k] = seen
          elseif ARGV[a + 3] == '0' then
            redis.call('HSET', KEYS[3], ARGV[a], '>')
            results[k] = '>'
          else
            results[k] = ''
            wanted[#wanted + 1] = k
            local offset = tonumber(ARGV[a + 1]) % 60000
            if minOffset == nil or offset < minOffset then minOffset = offset end
          end
        end
        local function refuse(reply)
          if reply[1] == -1 then
            for _, k in ipairs(wanted) do
              redis.call('HSET', KEYS[3], ARGV[3 + (k - 1) * 4], '>')
              results[k] = '>'
            end
            redis.call('EXPIRE', KEYS[3], ARGV[2])
          end
          for k = 1, #results do reply[#reply + 1] = results[k] end
          return reply
        end
        if #wanted == 0 then return refuse({ 0, '' }) end
        local refusal, epochs, mark = guard(KEYS[1], KEYS[2], minOffset, epoch)
        if refusal then return refuse(refusal) end
        for _, k in ipairs(wanted) do
          local a = 3 + (k - 1) * 4
          -- The same nonce twice in one call (one key twice in a batch): the first one stores.
          local seen = redis.call('HGET', KEYS[3], ARGV[a])
          if seen then
            results[k] = seen
          else
            local element = ARGV[a + 2]
            if mark then element, mark = marked(element, epoch), false end
            local seq = redis.call('RPUSH', KEYS[1], element) - 1
            redis.call('HSET', KEYS[3], ARGV[a], ARGV[a + 1] .. '-' .. epoch .. '-' .. seq)
            results[k] = seq
          end
        end
        return refuse({ 0, epochs })
        """;

    /// <summary>
    /// KEYS[1] = an idempotency key's reservation, "fingerprint|nonce|minute", expiring after the
    /// retention; ARGV = fingerprint, a fresh nonce, the minute, retention seconds. Returns the
    /// reservation that holds: an earlier one (its nonce and minute win), or this one, now stored.
    /// </summary>
    public const string Reserve = """
        local held = redis.call('GET', KEYS[1])
        if held then return held end
        local value = ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[3]
        redis.call('SET', KEYS[1], value, 'EX', ARGV[4])
        return value
        """;

    /// <summary>
    /// KEYS[1] = a reservation; ARGV = nonce, the minute it moves from, the minute it moves to. Moves
    /// it (keeping its expiry) only from that minute, and only for that nonce; returns the reservation
    /// as it then is ('' when it expired meanwhile).
    /// </summary>
    public const string MoveReservation = """
        local held = redis.call('GET', KEYS[1])
        if not held then return '' end
        local tail = '|' .. ARGV[1] .. '|' .. ARGV[2]
        if string.sub(held, #held - #tail + 1) ~= tail then return held end
        local value = string.sub(held, 1, #held - #ARGV[2]) .. ARGV[3]
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl > 0 then redis.call('SET', KEYS[1], value, 'PX', ttl) else redis.call('SET', KEYS[1], value) end
        return value
        """;
}
