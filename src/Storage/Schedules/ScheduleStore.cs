using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// Recurring schedules in Redis: a hash per schedule (hash tag <c>{r:id}</c>) and two indexes under <c>{sched}</c>
/// (due to materialise; all, for the listing). No script touches a schedule's hash and an index together, so it runs
/// on Redis Cluster as on one Redis. The occurrences themselves are ordinary messages (<see cref="SlotStore"/>).
/// </summary>
public sealed class ScheduleStore(IConnectionMultiplexer redis, IOptions<EchoOptions> options)
{
    private readonly RedisKeys _keys = new(options.Value.KeyPrefix);
    private readonly long _retentionSeconds = (long)Math.Max(1, options.Value.Retention.TotalSeconds);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Reserves a create request's idempotency key for <paramref name="id"/>: the id it holds (this one, or an earlier
    /// request's) and whether that request's fingerprint is <paramref name="fingerprint"/>.
    /// </summary>
    public async Task<(string Id, bool Same)> ReserveKeyAsync(string key, string fingerprint, string id)
    {
        var held = (string?)await Db.ScriptEvaluateAsync(
            ScheduleScripts.Reserve, [_keys.ScheduleKey(key)], [$"{fingerprint}|{id}", _retentionSeconds]).ConfigureAwait(false) ?? "";
        var bar = held.IndexOf('|', StringComparison.Ordinal);
        return (held[(bar + 1)..], held[..Math.Max(0, bar)] == fingerprint);
    }

    /// <summary>
    /// Stores the schedule unless it exists, then indexes it (due at <paramref name="firstDueMs"/>, and for the
    /// listing) — also when it existed, so a create retried after a failure between the two completes it.
    /// </summary>
    public async Task<ScheduleCreation> CreateAsync(ScheduleRecord schedule, string fingerprint, long firstDueMs)
    {
        var held = (string?)await Db.ScriptEvaluateAsync(
            ScheduleScripts.Create,
            [_keys.Schedule(schedule.Id)],
            [fingerprint, schedule.CreatedMs, schedule.Cron, schedule.TimeZone, schedule.Message, schedule.Misfire, schedule.ExpireAfterMs]).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(held))
        {
            if (held == $"{fingerprint}|d")
            {
                return ScheduleCreation.Deleted;
            }

            if (held != fingerprint)
            {
                return ScheduleCreation.Conflict;
            }
        }

        await IndexAsync(schedule.Id, firstDueMs).ConfigureAwait(false);
        return string.IsNullOrEmpty(held) ? ScheduleCreation.Created : ScheduleCreation.Repeated;
    }

    /// <summary>Adds the schedule to both indexes where it is missing (a score already there stays).</summary>
    public Task IndexAsync(string id, long dueMs)
    {
        var db = Db;
        return Task.WhenAll(
            db.SortedSetAddAsync(_keys.SchedulesDue, id, dueMs, SortedSetWhen.NotExists),
            db.SortedSetAddAsync(_keys.SchedulesAll, id, 0, SortedSetWhen.NotExists));
    }

    /// <summary>
    /// Up to <paramref name="take"/> schedules due by <paramref name="nowMs"/>, leased to the caller for
    /// <paramref name="leaseMs"/>.
    /// </summary>
    public async Task<string[]> ClaimAsync(long nowMs, long leaseMs, int take)
    {
        var ids = (RedisValue[])(await Db.ScriptEvaluateAsync(ScheduleScripts.Claim, [_keys.SchedulesDue], [nowMs, leaseMs, take]).ConfigureAwait(false))!;
        return [.. ids.Select(i => (string)i!)];
    }

    /// <summary>
    /// When the schedule must next be materialised (its claim's score moves there), or, with null, never: it leaves the
    /// due index.
    /// </summary>
    public Task RescoreAsync(string id, long? dueMs) => dueMs is { } due
        ? Db.SortedSetAddAsync(_keys.SchedulesDue, id, due, SortedSetWhen.Exists)
        : Db.SortedSetRemoveAsync(_keys.SchedulesDue, id);

    /// <summary>Drops the schedule from both indexes (deleted).</summary>
    public Task ForgetAsync(string id)
    {
        var db = Db;
        return Task.WhenAll(db.SortedSetRemoveAsync(_keys.SchedulesDue, id), db.SortedSetRemoveAsync(_keys.SchedulesAll, id));
    }

    public async Task<ScheduleRecord?> ReadAsync(string id)
    {
        var entries = await Db.HashGetAllAsync(_keys.Schedule(id)).ConfigureAwait(false);
        if (entries.Length == 0)
        {
            return null;
        }

        var f = entries.ToDictionary(e => (string)e.Name!, e => (string?)e.Value ?? "", StringComparer.Ordinal);
        string Field(string name) => f.GetValueOrDefault(name, "");
        long Number(string name) => long.TryParse(Field(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new ScheduleRecord(
            id, Field("c"), Field("z"), Field("m"), Field("f"), Number("x"), Number("a"), Field("t"), Field("q"),
            f.GetValueOrDefault("g", "0"), ScheduledOccurrence.ParseList(Field("o")),
            ScheduledOccurrence.TryParse(Field("ls"), out var last) ? last : null,
            f.ContainsKey("p"), f.ContainsKey("d"));
    }

    /// <summary>
    /// Notes <paramref name="plan"/> if the schedule is still as <paramref name="read"/> (see <c>schedulePlan.lua</c>).
    /// </summary>
    public async Task<ScheduleStep> PlanAsync(ScheduleRecord read, IEnumerable<PlannedOccurrence> plan) => Step((string?)await Db.ScriptEvaluateAsync(
        ScheduleScripts.Plan, [_keys.Schedule(read.Id)], [read.ThroughText, read.Plan, read.Generation, PlannedOccurrence.Format(plan)]).ConfigureAwait(false));

    /// <summary>
    /// Records the appended occurrences of <paramref name="plan"/>, if the schedule's materialised-through is still
    /// <paramref name="readThrough"/> (see <c>scheduleCommit.lua</c>).
    /// </summary>
    public async Task<ScheduleStep> CommitAsync(string id, string plan, string readThrough, long throughMs, long keepFromMs, IEnumerable<ScheduledOccurrence> appended) =>
        Step((string?)await Db.ScriptEvaluateAsync(
            ScheduleScripts.Commit,
            [_keys.Schedule(id)],
            [plan, readThrough, throughMs, keepFromMs, .. appended.Select(a => (RedisValue)a.ToString())]).ConfigureAwait(false));

    /// <summary>
    /// Pauses (<paramref name="delete"/> false) or deletes; null when there is no such schedule to do it to.
    /// </summary>
    public async Task<ScheduleStopped?> StopAsync(string id, bool delete)
    {
        var result = await Db.ScriptEvaluateAsync(ScheduleScripts.Stop, [_keys.Schedule(id)], [delete ? "d" : "p", _retentionSeconds]).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisValue[])result!;
        return new ScheduleStopped((string)parts[0]!, ScheduledOccurrence.ParseList(parts[1]), PlannedOccurrence.Parse(parts[2]), (string)parts[3]!);
    }

    /// <summary>
    /// Resumes from <paramref name="nowMs"/>: <see cref="ScheduleStep.Ok"/>, <see cref="ScheduleStep.Stopped"/> when
    /// deleted, or gone.
    /// </summary>
    public async Task<ScheduleStep> ResumeAsync(string id, long nowMs) =>
        (string?)await Db.ScriptEvaluateAsync(ScheduleScripts.Resume, [_keys.Schedule(id)], [nowMs]).ConfigureAwait(false) switch
        {
            "ok" => ScheduleStep.Ok,
            "deleted" => ScheduleStep.Stopped,
            _ => ScheduleStep.Gone,
        };

    /// <summary>
    /// Up to <paramref name="take"/> live schedule ids after <paramref name="afterId"/> (null: from the first), in id
    /// order.
    /// </summary>
    public async Task<string[]> ListAsync(string? afterId, int take)
    {
        var ids = await Db.SortedSetRangeByValueAsync(
            _keys.SchedulesAll, afterId is null ? default : afterId, default, afterId is null ? Exclude.None : Exclude.Start, Order.Ascending, 0, take).ConfigureAwait(false);
        return [.. ids.Select(i => (string)i!)];
    }

    private static ScheduleStep Step(string? reply) => reply switch
    {
        "ok" => ScheduleStep.Ok,
        "stopped" => ScheduleStep.Stopped,
        "stale" => ScheduleStep.Stale,
        _ => ScheduleStep.Gone,
    };
}
