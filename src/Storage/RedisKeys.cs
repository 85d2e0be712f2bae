using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// Every Redis key the service uses. A slot's keys share the hash tag <c>{s:N}</c>, so the Lua
/// scripts that touch them run on Redis Cluster too; the index of pending slots (hash tag
/// <c>{slots}</c>) and the idempotency reservations live elsewhere, and no script touches them
/// together with a slot's keys.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    /// <summary>
    /// ZSET: member and score are the Unix hour of every hour with a slot in the index (<see cref="PendingIndex"/>).
    /// </summary>
    public RedisKey PendingHours { get; } = prefix + "{slots}:h";

    /// <summary>
    /// ZSET: member and score are the Unix minute of every slot of the hour that holds unprinted messages.
    /// </summary>
    public RedisKey PendingMinutes(long hour) => $"{prefix}{{slots}}:h:{hour}";

    /// <summary>STRING: the number of slots in the index.</summary>
    public RedisKey PendingCount { get; } = prefix + "{slots}:n";

    /// <summary>
    /// ZSET of every pending slot, as versions before the two-level index kept it; moved into it by the sweeper.
    /// </summary>
    public RedisKey LegacyPendingSlots { get; } = prefix + "slots";

    /// <summary>LIST: the slot's messages in acceptance order; the index of an element is its sequence.</summary>
    public RedisKey Messages(long slot) => $"{prefix}{{s:{slot}}}:l";

    /// <summary>HASH: the slot's fence and progress (version, printed and printing cursors, counts, closed).</summary>
    public RedisKey Meta(long slot) => $"{prefix}{{s:{slot}}}:m";

    /// <summary>
    /// The one field of <see cref="Meta"/> read outside the scripts: how many of the minute's messages printed. The
    /// scripts name every field in the table of <c>Scripts/README.md</c>.
    /// </summary>
    public const string MetaPrintedCount = "c";

    /// <summary>SET: sequences of the slot's canceled messages (an intset: a few bytes each).</summary>
    public RedisKey Canceled(long slot) => $"{prefix}{{s:{slot}}}:c";

    /// <summary>
    /// HASH: nonce of a keyed message's reservation → the id stored under it, or '>' once it moved on to a later
    /// minute.
    /// </summary>
    public RedisKey Nonces(long slot) => $"{prefix}{{s:{slot}}}:k";

    /// <summary>
    /// ZSET: a long minute's sequences scored by their print-order cursor, built and read by the listing only
    /// (<c>Scripts/browse.lua</c>), expiring minutes after its last use; the printer never reads it.
    /// </summary>
    public RedisKey Order(long slot) => $"{prefix}{{s:{slot}}}:o";

    /// <summary>
    /// ZSET: reschedules under way (<see cref="MoveIntent"/>), scored by when each started; a move leaves it once its
    /// message arrived.
    /// </summary>
    public RedisKey MoveIntents { get; } = prefix + "{moves}";

    /// <summary>
    /// HASH: a recurring schedule (cron, zone, message, policy) and how far it is materialised
    /// (<c>Scripts/scheduleCommit.lua</c> lists its fields). Its own hash tag: each schedule script touches one hash
    /// slot.
    /// </summary>
    public RedisKey Schedule(string id) => $"{prefix}{{r:{id}}}";

    /// <summary>
    /// ZSET: schedule id → when it must next be materialised (or its claim's lease end), read by every process's loop.
    /// </summary>
    public RedisKey SchedulesDue { get; } = prefix + "{sched}:due";

    /// <summary>
    /// ZSET: every live schedule, score 0, member its id (ids sort by creation): the listing pages it by lex range.
    /// </summary>
    public RedisKey SchedulesAll { get; } = prefix + "{sched}:all";

    /// <summary>STRING "fingerprint|id", expiring after the retention: a create request's idempotency key.</summary>
    public RedisKey ScheduleKey(string key) =>
        $"{prefix}rk:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)).AsSpan(0, 16))}";

    /// <summary>
    /// STRING "fingerprint|nonce|minute", expiring after the retention: an idempotency key's
    /// reservation, in a hash slot of its own (on Redis Cluster, rarely the minute's). The client's key
    /// is hashed, so any text of bounded length is a safe, short key.
    /// </summary>
    public RedisKey Idempotency(string key) =>
        $"{prefix}k:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)).AsSpan(0, 16))}";
}
