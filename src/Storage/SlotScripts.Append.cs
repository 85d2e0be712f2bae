namespace EchoAtTime.Storage;

/// <summary>The append across minutes, its guard, and where a minute keeps its epoch record.</summary>
internal static partial class SlotScripts
{
    /// <summary>
    /// The minute's epoch record (which store epoch appended which sequences, "seq:epoch,…"): the meta
    /// hash's <c>e</c> when there is one; else the epoch marked in the list's first element
    /// (<c>offset:epoch|text</c>, or <c>offset+expireAfter:epoch|text</c>), for a minute only ever appended under one epoch — most of them, and
    /// so no meta hash at all for a minute nobody printed or canceled in yet (it would cost more than
    /// its one message); else ''. Closing or draining deletes the list, so they write <c>e</c> first.
    /// </summary>
    private const string EpochRecord = """
        local function epochRecord(list, e)
          if e then return e end
          local first = redis.call('LINDEX', list, 0)
          local marked = first and string.match(first, '^%d+%+?%d*:(%x+)|')
          if marked then return '0:' .. marked end
          return ''
        end

        """;

    /// <summary>
    /// For the scripts that delete a minute's list (close, drain): <c>keepEpochRecord(e)</c> writes the
    /// record the list's first element holds into the meta hash, unless it has one (<c>e</c>), so status
    /// and cancel still tell the minute's ids from ids of messages the store lost.
    /// </summary>
    private const string KeepEpochRecord = EpochRecord + """
        local function keepEpochRecord(e)
          if e then return end
          local record = epochRecord(KEYS[1], false)
          if record ~= '' then redis.call('HSET', KEYS[2], 'e', record) end
        end

        """;

    /// <summary>
    /// The common start of <see cref="Append"/> and <see cref="AppendKeyed"/>:
    /// <c>guard(list, meta, minOffset, epoch)</c> (minOffset: the smallest due offset of what is
    /// appended; epoch: the appender's store epoch) returns a refusal, { -1, '' } when the minute is
    /// closed or { -2, floor } when an element would sort at or before the printing cursor; or nil,
    /// the minute's epoch record after the append, and whether the first element pushed must carry
    /// the epoch (<c>marked(element, epoch)</c>): an empty minute's first epoch is kept there instead
    /// of in a meta hash, which a minute of one message would pay more for than for its message. The
    /// minute's second append, or a later epoch, writes the whole record to the meta hash (<c>e</c>,
    /// and <c>le</c> = the last epoch).
    /// </summary>
    private const string AppendGuard = EpochRecord + """
        local function guard(list, meta, minOffset, epoch)
          local m = redis.call('HMGET', meta, 'x', 'n', 'le', 'e')
          if m[1] then return { -1, '' } end
          if m[2] then
            local floor = math.floor(tonumber(m[2]) / 4294967296)
            if minOffset < floor then return { -2, floor } end
          end
          local epochs, last = m[4], m[3]
          if not epochs then
            epochs = epochRecord(list, false)
            last = string.match(epochs, '(%x+)$')
            if last == epoch then
              -- A second append: the minute is not one message alone, and the record goes to the
              -- meta hash, so later appends need not read it from the first element.
              redis.call('HSET', meta, 'le', epoch, 'e', epochs)
              return nil, epochs, false
            end
          end
          if last == epoch then return nil, epochs, false end
          local length = redis.call('LLEN', list)
          if length == 0 and not m[4] then return nil, '0:' .. epoch, true end
          if epochs ~= '' then epochs = epochs .. ',' end
          epochs = epochs .. length .. ':' .. epoch
          redis.call('HSET', meta, 'le', epoch, 'e', epochs)
          return nil, epochs, false
        end
        local function marked(element, epoch)
          local bar = string.find(element, '|', 1, true)
          return string.sub(element, 1, bar - 1) .. ':' .. epoch .. string.sub(element, bar)
        end

        """;

    /// <summary>
    /// Appends to several minutes at once (a group commit across minutes: each is guarded on its own,
    /// all run in this one atomic call). KEYS = each minute's message list and meta hash in turn;
    /// ARGV = the appenders' store epoch, then per minute: the number of elements, their smallest due
    /// offset, the elements (pushed in runs below Lua's unpack limit). Returns per minute two values:
    /// new length and epoch record; -1, '' when the minute is closed; or -2, floor when an element
    /// would sort at or before what is already printing (a duplicate activation may have moved the
    /// printing cursor past the caller's view). A refused minute stores none of its elements, so a
    /// retry never stores one twice.
    /// </summary>
    public const string Append = AppendGuard + """
        local epoch = ARGV[1]
        local replies = {}
        local a = 2
        for k = 1, #KEYS, 2 do
          local count = tonumber(ARGV[a])
          local first, last = a + 2, a + 1 + count
          a = last + 1
          local refusal, epochs, mark = guard(KEYS[k], KEYS[k + 1], tonumber(ARGV[first - 1]), epoch)
          if refusal then
            replies[#replies + 1] = refusal[1]
            replies[#replies + 1] = refusal[2]
          else
            local length = 0
            if mark then
              length = redis.call('RPUSH', KEYS[k], marked(ARGV[first], epoch))
              first = first + 1
            end
            for i = first, last, 1000 do
              length = redis.call('RPUSH', KEYS[k], unpack(ARGV, i, math.min(i + 999, last)))
            end
            replies[#replies + 1] = length
            replies[#replies + 1] = epochs
          end
        end
        return replies
        """;
}
