using System.Text.Json.Serialization;
using EchoAtTime.Api.Schedules;

namespace EchoAtTime.Api.Http;

/// <summary>Body of <c>POST /schedules</c> (documentation shape; the handler validates the raw JSON).</summary>
/// <param name="Cron">Five fields (minute hour day month weekday), or six with seconds first (<c>*/2 * * * *
/// *</c>).</param>
/// <param name="TimeZone">IANA time zone id the cron is read in (default <c>UTC</c>); daylight-saving changes as Cronos
/// handles them.</param>
/// <param name="Message">The text each occurrence prints (1 to <c>Echo:MaxMessageLength</c> characters).</param>
/// <param name="Misfire">Occurrences missed while the cluster was down: <c>catchUp</c> (all, late, in order; default),
/// <c>latest</c> (the last), <c>skip</c> (none).</param>
/// <param name="ExpireAfter">Optional deadline of each occurrence after its due time (ISO-8601 duration or
/// milliseconds).</param>
/// <param name="IdempotencyKey">Optional (or the <c>Idempotency-Key</c> header): the same key and request answer the
/// original schedule.</param>
public sealed record ScheduleCreateRequest(string Cron, string Message, string? TimeZone = null, string? Misfire = null, object? ExpireAfter = null, string? IdempotencyKey = null);

/// <summary>A created schedule: its id and its next occurrence.</summary>
public sealed record ScheduleCreated(string Id, string? Next);

/// <summary>The last occurrence that printed: its id, due time and delivery time.</summary>
public sealed record ScheduleLast(string Id, string DueAt, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PrintedAt);

/// <summary>
/// A schedule: what it is, whether paused, its next occurrence (null while paused) and the last that printed (null
/// before any).
/// </summary>
public sealed record ScheduleState(
    string Id,
    string Cron,
    string TimeZone,
    string Message,
    string Misfire,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ExpireAfterMs,
    bool Paused,
    string? Next,
    ScheduleLast? Last)
{
    public static ScheduleState Of(ScheduleView view)
    {
        var r = view.Record;
        return new ScheduleState(
            r.Id, r.Cron, r.TimeZone, r.Message, r.Misfire, r.ExpireAfterMs > 0 ? r.ExpireAfterMs : null, r.Paused,
            view.NextMs is { } next ? EchoTime.Format(next) : null,
            view.Last is { } last
                ? new ScheduleLast(last.Id.ToString(), EchoTime.Format(last.DueMs), view.LastPrintedAtMs is { } at ? EchoTime.Format(at) : null)
                : null);
    }
}

/// <summary>
/// Answer of <c>GET /schedules</c>: a page in creation order, and the cursor of the next (null: no more).
/// </summary>
public sealed record ScheduleList(IReadOnlyList<ScheduleState> Schedules, string? Next);
