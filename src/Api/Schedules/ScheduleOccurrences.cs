using EchoAtTime.Storage;

namespace EchoAtTime.Api.Schedules;

/// <summary>
/// An occurrence as an ordinary message: keyed by (schedule, generation, occurrence time), so however often it is
/// written — a materialiser that died after appending, two claimants, a DELETE finishing a materialisation under
/// way — it is stored once. The fingerprint does not hold the due time: a repeat at another due time is the same
/// request and answers the first id.
/// </summary>
public static class ScheduleOccurrences
{
    // Idempotency keys from clients never hold a control character, so these never meet one (reschedules use \u0001).
    private const string KeyPrefix = "\u0002sched:";

    /// <summary>
    /// The fingerprint of every occurrence's request: a repeat at another due time is the same request.
    /// </summary>
    public const string Fingerprint = "sched";

    public static ScheduleRequest Request(ScheduleRecord schedule, string generation, long occurrenceMs, long dueMs, TimeSpan keyRetention) => new(
        dueMs,
        schedule.Message,
        FormattableString.Invariant($"{KeyPrefix}{schedule.Id}:{generation}:{occurrenceMs}"),
        Fingerprint,
        ExpireAfterMs: schedule.ExpireAfterMs,
        KeyRetentionSeconds: (long)Math.Max(1, keyRetention.TotalSeconds));
}
