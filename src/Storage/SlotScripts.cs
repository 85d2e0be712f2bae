namespace EchoAtTime.Storage;

/// <summary>
/// The Lua scripts on one slot's keys: KEYS[1] = message list, KEYS[2] = meta hash, KEYS[3] = set
/// of canceled sequences (where used), KEYS[4] = the nonce hash of keyed messages (close and drain);
/// <see cref="Append"/> takes the list and meta hash of several minutes. Each runs atomically, which
/// is what makes the fence, the floor, cancel, close and drain race-free.
/// Meta fields: v = fence version, p = printed cursor, n = printing cursor, c = printed count,
/// x = closed (no more messages may join), l = list length when closed, e = from which sequence
/// each store epoch holds, le = the last epoch appended under, ce = the epoch of the last commit.
/// Cursors are below 2^48, so tonumber compares them exactly; they are never turned back into
/// strings in Lua (tostring would round them). The append and the epoch record: SlotScripts.Append.cs;
/// the scripts of idempotency keys: SlotScripts.Keyed.cs.
/// </summary>
internal static partial class SlotScripts
{
    /// <summary>
    /// The common start of <see cref="Commit"/> and <see cref="Drain"/>: true when the minute's epoch
    /// record <c>e</c> is not the caller's record <c>v</c> ('*': unchecked) extended only by epochs
    /// that start at or beyond the caller's loaded count — an epoch that starts inside what the
    /// caller has seen means the store lost elements there and handed their positions out again.
    /// </summary>
    private const string ReincarnatedCheck = """
        local function reincarnated(e, v, loaded)
          if v == '*' or e == v then return false end
          if string.sub(e, 1, #v) ~= v then return true end
          local rest = string.sub(e, #v + 1)
          if #v > 0 then
            if string.sub(rest, 1, 1) ~= ',' then return true end
            rest = string.sub(rest, 2)
          end
          local from = tonumber(string.match(rest, '^(%d+):'))
          return from == nil or from < loaded
        end

        """;

    /// <summary>
    /// ARGV = page size. Returns { {v, p, n, x, e, ce, le}, length, first page, canceled sequences }; the
    /// rest of the list is read in pages (it only grows at its end, so later pages match this snapshot).
    /// </summary>
    public const string Load = EpochRecord + """
        local m = redis.call('HMGET', KEYS[2], 'v', 'p', 'n', 'x', 'e', 'ce', 'le')
        if not m[5] then
          local record = epochRecord(KEYS[1], false)
          if record ~= '' then m[5], m[7] = record, string.match(record, '(%x+)$') end
        end
        return { m, redis.call('LLEN', KEYS[1]), redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1), redis.call('SMEMBERS', KEYS[3]) }
        """;

    /// <summary>
    /// ARGV = version, printed cursor, printed count, printing cursor, loaded count, canceled count
    /// the caller knows, the store epoch, the minute's epoch record the caller's view holds ('*': no
    /// view to check), the receipt of the batch this commit confirms ('' when none; see
    /// <see cref="ReceiptLookup"/>), appended to the meta field <c>r</c>, then the sequences of the
    /// new batch's expired messages (recorded, when the batch is declared and the message not
    /// canceled, in the canceled set as -1 - seq: done, never printed). Fails (false) unless the caller holds the current version; { 2 } when the
    /// epoch record has an epoch the caller does not know starting inside what it loaded: the store
    /// restarted and the list holds, at positions the view has seen, other messages than it holds (a
    /// lost append whose position was handed out again), so the caller must reload. Otherwise bumps the version, records progress and the epoch
    /// it was made under ('ce': a load under another epoch knows commits may have been lost), and
    /// returns { declared, elements appended after what the caller loaded, canceled sequences — only
    /// when there are more than the caller knows, so a batch costs nothing extra —, the minute's
    /// epochs }. The new batch is declared (printing cursor moved) only when no element the caller
    /// has not seen sorts before the batch's end (its sequence is beyond everything loaded, so only
    /// a smaller due offset can): declaring past one would let the next commit mark it printed
    /// before it is. Writers appending later messages meanwhile — the normal case under load — do
    /// not hold the declaration up. The printing cursor never moves back: what a
    /// dead owner declared stays "maybe printed".
    /// </summary>
    public const string Commit = ReincarnatedCheck + EpochRecord + """
        local m = redis.call('HMGET', KEYS[2], 'v', 'n', 'e', 'ce', 'r', 'rl')
        if (m[1] or '0') ~= ARGV[1] then return false end
        local kept = m[3]
        m[3] = epochRecord(KEYS[1], m[3])
        if reincarnated(m[3], ARGV[8], tonumber(ARGV[5])) then return { 2 } end
        -- The minute is printing, so its meta hash exists from here on: the record goes there once,
        -- and appends and commits no longer read it from the first element.
        if not kept and m[3] ~= '' then redis.call('HSET', KEYS[2], 'e', m[3], 'le', string.match(m[3], '(%x+)$')) end
        local len = redis.call('LLEN', KEYS[1])
        local loaded = tonumber(ARGV[5])
        local unseen = {}
        if len > loaded then unseen = redis.call('LRANGE', KEYS[1], loaded, -1) end
        local declared = len == loaded
        if len > loaded then
          -- Unseen elements have larger sequences than anything loaded: one sorts before the batch's
          -- end only with a smaller due offset.
          local batchEnd = math.floor(tonumber(ARGV[4]) / 4294967296)
          declared = true
          for i = 1, #unseen do
            if tonumber(string.match(unseen[i], '^(%d+)')) < batchEnd then declared = false break end
          end
        end
        if m[4] ~= ARGV[7] then redis.call('HSET', KEYS[2], 'ce', ARGV[7]) end
        if ARGV[9] ~= '' then
          -- Kept relative to the previous receipt (meta 'rl'): a few bytes where batches follow each other.
          local o, s, late, ro, rs = string.match(ARGV[9], '^(%d+)%.(%d+)@(%d+)!?(%d*)%.?(%d*)$')
          o, s = tonumber(o), tonumber(s)
          local lo, ls = 0, 0
          if m[6] then
            local a, b = string.match(m[6], '^(%d+)%.(%d+)$')
            lo, ls = tonumber(a), tonumber(b)
          end
          local entry = (o - lo) .. '.' .. (s - ls) .. '@' .. late
          if ro ~= '' then entry = entry .. '!' .. (o - tonumber(ro)) .. '.' .. (s - tonumber(rs)) end
          redis.call('HSET', KEYS[2], 'r', m[5] and (m[5] .. ',' .. entry) or entry, 'rl', o .. '.' .. s)
        end
        if declared then
          local n = ARGV[4]
          if m[2] and tonumber(m[2]) > tonumber(n) then n = m[2] end
          redis.call('HSET', KEYS[2], 'v', ARGV[1] + 1, 'p', ARGV[2], 'c', ARGV[3], 'n', n)
        else
          redis.call('HSET', KEYS[2], 'v', ARGV[1] + 1, 'p', ARGV[2], 'c', ARGV[3])
        end
        local canceled = {}
        if redis.call('SCARD', KEYS[3]) ~= tonumber(ARGV[6]) then canceled = redis.call('SMEMBERS', KEYS[3]) end
        if declared then
          for i = 10, #ARGV do
            if redis.call('SISMEMBER', KEYS[3], ARGV[i]) == 0 then redis.call('SADD', KEYS[3], -1 - tonumber(ARGV[i])) end
          end
        end
        return { declared and 1 or 0, unseen, canceled, m[3] }
        """;

    /// <summary>
    /// ARGV = retention seconds. Closes the slot when every message in it is printed or canceled (or
    /// it is empty): nothing can join it afterwards, its list is deleted, its summary (meta, canceled)
    /// expires after the retention. Returns 1 when closed.
    /// </summary>
    public const string Close = KeepEpochRecord + """
        local m = redis.call('HMGET', KEYS[2], 'x', 'c', 'e')
        if m[1] then return 1 end
        local len = redis.call('LLEN', KEYS[1])
        local done = tonumber(m[2] or '0') + redis.call('SCARD', KEYS[3])
        if len > done then return 0 end
        keepEpochRecord(m[3])
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[2], 'x', '1', 'l', len)
        redis.call('EXPIRE', KEYS[2], ARGV[1])
        redis.call('EXPIRE', KEYS[3], ARGV[1])
        redis.call('EXPIRE', KEYS[4], ARGV[1])
        return 1
        """;

    /// <summary>
    /// ARGV = version, loaded count, retention seconds, the caller's epoch record ('*': unchecked).
    /// Deletes a finished slot's list, keeping its summary for the retention. Returns 'D' when drained
    /// (by us or a successor), 'F' when fenced, 'R' when the epoch record is not the caller's (reload,
    /// as for <see cref="Commit"/>), or the unseen tail when messages arrived that the caller has not loaded.
    /// </summary>
    public const string Drain = ReincarnatedCheck + KeepEpochRecord + """
        local m = redis.call('HMGET', KEYS[2], 'v', 'x', 'e')
        if m[2] then return 'D' end
        if (m[1] or '0') ~= ARGV[1] then return 'F' end
        local e = epochRecord(KEYS[1], m[3])
        if reincarnated(e, ARGV[4], tonumber(ARGV[2])) then return 'R' end
        local len = redis.call('LLEN', KEYS[1])
        if len ~= tonumber(ARGV[2]) then return redis.call('LRANGE', KEYS[1], ARGV[2], -1) end
        keepEpochRecord(m[3])
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[2], 'x', '1', 'l', len)
        redis.call('EXPIRE', KEYS[2], ARGV[3])
        redis.call('EXPIRE', KEYS[3], ARGV[3])
        redis.call('EXPIRE', KEYS[4], ARGV[3])
        return 'D'
        """;

    /// <summary>
    /// A printed batch's receipt, one per commit that confirmed one, comma-separated in the meta
    /// field <c>r</c> (<see cref="BatchReceipt"/>): <c>{Δoffset}.{Δseq}@{lateness}</c> — the batch's last
    /// message relative to the previous receipt's (meta <c>rl</c> holds the last one), and how late it
    /// printed — then <c>!{Δoffset}.{Δseq}</c> back to its last redelivered message when it had any.
    /// <c>receipt(r, offset, seq)</c> returns { 'printed', printed at (ms after the minute's start),
    /// redelivered 0/1 } from the first batch that ends at or after the message, or 'printed' when
    /// there is none (printed before receipts were kept).
    /// </summary>
    private const string ReceiptLookup = """
        local function atOrAfter(o, s, offset, seq)
          return o > offset or (o == offset and s >= seq)
        end
        local function receipt(r, offset, seq)
          if not r then return 'printed' end
          local o, s = 0, 0
          for dO, dS, late, rest in string.gmatch(r, '(%-?%d+)%.(%-?%d+)@(%d+)([^,]*)') do
            o, s = o + tonumber(dO), s + tonumber(dS)
            if atOrAfter(o, s, offset, seq) then
              local ro, rs = string.match(rest, '^!(%-?%d+)%.(%-?%d+)')
              local again = ro and atOrAfter(o - tonumber(ro), s - tonumber(rs), offset, seq)
              return { 'printed', o + tonumber(late), again and 1 or 0 }
            end
          end
          return 'printed'
        end

        """;

    /// <summary>
    /// The common start of <see cref="Status"/>, <see cref="Cancel"/> and <see cref="MoveOut"/> (ARGV = sequence, due
    /// offset, cursor, epoch): an id whose epoch is not the one its sequence was appended under names
    /// a message the store lost (its position was handed out again) and is unknown; then answers for
    /// a finished slot from its length and canceled set, checks that an open slot's element really
    /// has that due offset, and answers { 'moved', record } (canceled with a move record in the nonce
    /// hash, KEYS[4]: see SlotScripts.Move.cs), 'canceled' or 'expired' (its sequence negated, less
    /// one, in the same set) when it is. A printed message of a finished slot is answered by
    /// <c>printed(m)</c>, which each script defines. Leaves m = {x, p, n, l, e, r} and an open slot's element e for the rest.
    /// </summary>
    private const string MessageLookup = EpochRecord + MoveRecordOf + """
        local m = redis.call('HMGET', KEYS[2], 'x', 'p', 'n', 'l', 'e', 'r')
        local seq = tonumber(ARGV[1])
        local epoch = ''
        for from, e in string.gmatch(epochRecord(KEYS[1], m[5]), '(%d+):(%x+)') do
          if tonumber(from) > seq then break end
          epoch = e
        end
        if epoch ~= ARGV[4] then return 'unknown' end
        local canceled = redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1
        local expired = redis.call('SISMEMBER', KEYS[3], -1 - seq) == 1
        local moved = canceled and moveRecord(KEYS[4], ARGV[1])
        if m[1] then
          if seq >= tonumber(m[4] or '0') then return 'unknown' end
          if moved then return { 'moved', moved } end
          if canceled then return 'canceled' end
          if expired then return 'expired' end
          return printed(m)
        end
        local e = redis.call('LINDEX', KEYS[1], ARGV[1])
        -- The element's offset ends at '|', or at ':' before the epoch a minute's first element carries.
        local after = e and string.sub(e, #ARGV[2] + 1, #ARGV[2] + 1)
        if not e or string.sub(e, 1, #ARGV[2]) ~= ARGV[2] or (after ~= '|' and after ~= ':' and after ~= '+') then return 'unknown' end
        if moved then return { 'moved', moved } end
        if canceled then return 'canceled' end
        if expired then return 'expired' end

        """;

    /// <summary>
    /// Returns 'unknown', 'scheduled', 'canceled', 'expired', or 'printed' (at or below the printed
    /// cursor) with its receipt when there is one: { 'printed', printed at (ms after the minute's
    /// start), redelivered 0/1 }; or { 'moved', record }.
    /// </summary>
    public const string Status = ReceiptLookup + """
        local function printed(m) return receipt(m[6], tonumber(ARGV[2]), tonumber(ARGV[1])) end

        """ + MessageLookup + """
        if m[2] and tonumber(ARGV[3]) <= tonumber(m[2]) then return printed(m) end
        return 'scheduled'
        """;

    /// <summary>
    /// Cancels unless the message is printed or in the batch being printed (at or below the
    /// printing cursor). Returns 'unknown', 'printed', 'canceled' (before), 'expired', { 'moved',
    /// record } or 'now'.
    /// </summary>
    public const string Cancel = """
        local function printed(m) return 'printed' end

        """ + MessageLookup + """
        if m[3] and tonumber(ARGV[3]) <= tonumber(m[3]) then return 'printed' end
        redis.call('SADD', KEYS[3], ARGV[1])
        return 'now'
        """;
}
