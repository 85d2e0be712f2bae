namespace EchoAtTime.Storage;

/// <summary>
/// The scripts of a reschedule on the minute a message leaves. A move record sits in the minute's
/// nonce hash (KEYS[4] of <see cref="MoveOut"/>) under <c>mv:{seq}</c>: <c>P{new due ms}|{element}</c>
/// while the message is on its way (it carries the element, so the move can be finished from the
/// record alone, also once the minute's list is gone), <c>D{new due ms}|{new id}</c> once it arrived
/// (the due time as asked: one already past arrives as now), or
/// <c>X{nonce},{nonce}…</c> for attempts that were called off before they took the message. The
/// message itself joins the canceled set when it leaves: the printer skips it and close counts it
/// done, exactly as for a cancel, so it can print here only if it never left.
/// </summary>
internal static partial class SlotScripts
{
    /// <summary>
    /// <c>moveRecord(nonces, seq)</c>: the move record of a sequence in the canceled set ('P…' or
    /// 'D…'), or false when it has none (canceled, or only attempts called off, 'X…'). What tells a
    /// moved message from a canceled one for the lookup, the listing and the summary alike.
    /// </summary>
    private const string MoveRecordOf = """
        local function moveRecord(nonces, seq)
          local r = redis.call('HGET', nonces, 'mv:' .. seq)
          if r and string.sub(r, 1, 1) ~= 'X' then return r end
          return false
        end

        """;

    /// <summary>
    /// Takes the message out of its minute unless it is printed or in the batch being printed (as
    /// <see cref="Cancel"/>, atomic with the printer's fence). ARGV = sequence, due offset, cursor,
    /// epoch, new due ms, the attempt's nonce. Returns 'unknown', 'printed', 'canceled', 'expired',
    /// 'aborted' (this attempt was called off by <see cref="MoveAbort"/>), or { 'moved', record }:
    /// the record it wrote now, or the one an earlier attempt left.
    /// </summary>
    public const string MoveOut = """
        local function printed(m) return 'printed' end

        """ + MessageLookup + """
        if m[3] and tonumber(ARGV[3]) <= tonumber(m[3]) then return 'printed' end
        local field = 'mv:' .. ARGV[1]
        local mark = redis.call('HGET', KEYS[4], field)
        if mark and string.find(',' .. string.sub(mark, 2) .. ',', ',' .. ARGV[6] .. ',', 1, true) then return 'aborted' end
        redis.call('SADD', KEYS[3], ARGV[1])
        local record = 'P' .. ARGV[5] .. '|' .. e
        redis.call('HSET', KEYS[4], field, record)
        return { 'moved', record }
        """;

    /// <summary>
    /// KEYS[1] = the minute's nonce hash; ARGV = sequence, 'D{new due ms}|{new id}'. Records where the message
    /// arrived, once, over its pending record (a hash that expired with its minute stays gone).
    /// Returns the record as it was.
    /// </summary>
    public const string MoveDone = """
        local field = 'mv:' .. ARGV[1]
        local r = redis.call('HGET', KEYS[1], field)
        if r and string.sub(r, 1, 1) == 'P' then redis.call('HSET', KEYS[1], field, ARGV[2]) end
        return r or ''
        """;

    /// <summary>
    /// KEYS = the minute's list, meta hash, nonce hash; ARGV = sequence, an attempt's nonce. Calls the
    /// attempt off unless the message already left: returns the move record when there is one
    /// ('P…' or 'D…', to finish or forget), '' when the minute's list is gone (finished or unknown) (no move can
    /// start there any more), else marks the nonce so that attempt's <see cref="MoveOut"/>, if it
    /// still comes, takes nothing, and returns 'X'.
    /// </summary>
    public const string MoveAbort = """
        local field = 'mv:' .. ARGV[1]
        local r = redis.call('HGET', KEYS[3], field)
        if r and string.sub(r, 1, 1) ~= 'X' then return r end
        if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[2], 'x') == 1 then return '' end
        redis.call('HSET', KEYS[3], field, r and (r .. ',' .. ARGV[2]) or ('X' .. ARGV[2]))
        return 'X'
        """;
}
