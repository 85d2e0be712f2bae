using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// The index of minutes that hold unprinted messages, in two levels so that it costs a few bytes a
/// minute: a ZSET of hours, and per hour a ZSET of its minutes. An hour has at most 60, so Redis
/// keeps each as a listpack (about 12 B an entry) where one ZSET of every minute is a skiplist
/// (about 100 B an entry) once it holds more than 128 — the usual case for reminders spread over
/// weeks. A count of the minutes beside them serves the gauges. Members and scores are Unix hours
/// and minutes. The keys share one hash tag, so each script runs on Redis Cluster.
/// </summary>
public sealed class PendingIndex(IConnectionMultiplexer redis, RedisKeys keys)
{
    // A page of the index of an earlier version, moved over per sweep.
    private const int LegacyPage = 1_000;

    private IDatabase Db => redis.GetDatabase();

    public static long HourOf(long slot) => slot / 60;

    /// <summary>
    /// Indexes the minutes (in one script, whatever their number); those already indexed stay as they are.
    /// Returns how many it added: a write a replica must acknowledge where one is asked for.
    /// </summary>
    public async Task<long> AddAsync(IEnumerable<long> slots)
    {
        // Sorted and without repeats, an hour's minutes are neighbours (HourOf never decreases): every append's flush
        // runs this, so no LINQ groups.
        var minutes = slots.ToArray();
        Array.Sort(minutes);
        var n = 0;
        foreach (var minute in minutes)
        {
            if (n == 0 || minutes[n - 1] != minute)
            {
                minutes[n++] = minute;
            }
        }

        var hours = 0;
        for (var i = 0; i < n; i++)
        {
            hours += i == 0 || HourOf(minutes[i]) != HourOf(minutes[i - 1]) ? 1 : 0;
        }

        var keyList = new RedisKey[hours + 2];
        (keyList[0], keyList[1]) = (keys.PendingHours, keys.PendingCount);
        var values = new RedisValue[(2 * hours) + n];
        var (h, v, first) = (0, 0, 0);
        while (first < n)
        {
            var hour = HourOf(minutes[first]);
            var end = first + 1;
            while (end < n && HourOf(minutes[end]) == hour)
            {
                end++;
            }

            keyList[2 + h++] = keys.PendingMinutes(hour);
            values[v++] = hour;
            values[v++] = end - first;
            for (; first < end; first++)
            {
                values[v++] = minutes[first];
            }
        }

        return (long)await Db.ScriptEvaluateAsync(PendingIndexScripts.Add, keyList, values).ConfigureAwait(false);
    }

    /// <summary>The server that holds the index (on Redis Cluster, the shard of <c>{slots}</c>).</summary>
    public IServer Server => redis.GetServer(keys.PendingHours);

    /// <summary>True when the minute was indexed.</summary>
    public async Task<bool> RemoveAsync(long slot)
    {
        var hour = HourOf(slot);
        var removed = await Db.ScriptEvaluateAsync(PendingIndexScripts.Remove, [keys.PendingHours, keys.PendingCount, keys.PendingMinutes(hour)], [hour, slot]).ConfigureAwait(false);
        return (long)removed == 1;
    }

    public async Task<bool> ContainsAsync(long slot) =>
        await Db.SortedSetScoreAsync(keys.PendingMinutes(HourOf(slot)), slot).ConfigureAwait(false) is not null;

    public async Task<long> CountAsync() => (long?)await Db.StringGetAsync(keys.PendingCount).ConfigureAwait(false) ?? 0;

    /// <summary>
    /// The earliest <paramref name="take"/> indexed minutes at or before <paramref name="maxSlot"/>: the
    /// first hours, then their minutes in one pipelined round trip (every indexed hour has one).
    /// </summary>
    public async Task<long[]> ThroughAsync(long maxSlot, int take)
    {
        var db = Db;
        var hours = await db.SortedSetRangeByScoreAsync(keys.PendingHours, double.NegativeInfinity, HourOf(maxSlot), take: take).ConfigureAwait(false);
        var minutes = await Task.WhenAll(hours.Select(h => db.SortedSetRangeByScoreAsync(keys.PendingMinutes((long)h), double.NegativeInfinity, maxSlot, take: take))).ConfigureAwait(false);
        return [.. minutes.SelectMany(m => m).Select(m => (long)m).Take(take)];
    }

    /// <summary>
    /// The earliest <paramref name="take"/> indexed minutes from <paramref name="fromSlot"/> through
    /// <paramref name="toSlot"/>: as <see cref="ThroughAsync"/>, from a start.
    /// </summary>
    public async Task<long[]> RangeAsync(long fromSlot, long toSlot, int take)
    {
        var db = Db;
        var hours = await db.SortedSetRangeByScoreAsync(keys.PendingHours, HourOf(fromSlot), HourOf(toSlot), take: take).ConfigureAwait(false);
        var minutes = await Task.WhenAll(hours.Select(h => db.SortedSetRangeByScoreAsync(keys.PendingMinutes((long)h), fromSlot, toSlot, take: take))).ConfigureAwait(false);
        return [.. minutes.SelectMany(m => m).Select(m => (long)m).Take(take)];
    }

    /// <summary>
    /// The earliest indexed minute at or before <paramref name="throughSlot"/>. An hour whose last
    /// minute was removed between the two reads is gone from the hours too (one script removes
    /// both), so reading again finds the next: the answer is never "none" while such a minute is
    /// indexed.
    /// </summary>
    public async Task<long?> EarliestAsync(long throughSlot)
    {
        // A minute still in an earlier version's index until the sweep moves it over counts too: the order check
        // would otherwise print past it. Read in the same round trip (the key is missing once everything moved), and
        // moved over here, so that removing it once it is done removes it for good.
        var legacy = Db.SortedSetRangeByScoreAsync(keys.LegacyPendingSlots, double.NegativeInfinity, throughSlot, take: 1);
        var indexed = await EarliestIndexedAsync(throughSlot).ConfigureAwait(false);
        var old = await legacy.ConfigureAwait(false);
        if (old.Length == 0 || (long)old[0] >= (indexed ?? long.MaxValue))
        {
            return indexed;
        }

        await AddAsync([(long)old[0]]).ConfigureAwait(false);
        await Db.SortedSetRemoveAsync(keys.LegacyPendingSlots, old[0]).ConfigureAwait(false);
        return (long)old[0];
    }

    private async Task<long?> EarliestIndexedAsync(long throughSlot)
    {
        var db = Db;
        var lastHour = HourOf(throughSlot);
        while (true)
        {
            var hours = await db.SortedSetRangeByScoreAsync(keys.PendingHours, double.NegativeInfinity, lastHour, take: 1).ConfigureAwait(false);
            if (hours.Length == 0)
            {
                return null;
            }

            var first = await db.SortedSetRangeByScoreAsync(keys.PendingMinutes((long)hours[0]), double.NegativeInfinity, throughSlot, take: 1).ConfigureAwait(false);
            if (first.Length == 1)
            {
                return (long)first[0];
            }

            if ((long)hours[0] == lastHour)
            {
                // The bound's own hour: its minutes are all later.
                return null;
            }
        }
    }

    /// <summary>
    /// Moves a page of the one-ZSET index an earlier version kept (<see cref="RedisKeys.LegacyPendingSlots"/>)
    /// into this one: indexed here first, then removed there, so a minute is never in neither. One
    /// read of a missing key once every minute moved.
    /// </summary>
    public async Task<int> MoveLegacyPageAsync()
    {
        var db = Db;
        var page = await db.SortedSetRangeByRankAsync(keys.LegacyPendingSlots, 0, LegacyPage - 1).ConfigureAwait(false);
        if (page.Length == 0)
        {
            return 0;
        }

        await AddAsync(page.Select(m => (long)m)).ConfigureAwait(false);
        await db.SortedSetRemoveAsync(keys.LegacyPendingSlots, page).ConfigureAwait(false);
        return page.Length;
    }
}
