using System.Security.Cryptography;
using System.Text;
using EchoAtTime.Api.Accept;
using EchoAtTime.Api.Queries;
using EchoAtTime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Schedules;

/// <summary>A validated create request.</summary>
public sealed record NewSchedule(string Cron, string TimeZone, string Message, MisfirePolicy Misfire, long ExpireAfterMs, string? IdempotencyKey);

/// <summary>
/// A schedule as the API answers it: its record, its next occurrence (none while paused), its last printed one.
/// </summary>
public sealed record ScheduleView(ScheduleRecord Record, long? NextMs, ScheduledOccurrence? Last, long? LastPrintedAtMs);

/// <summary>
/// Create, read, list and resume (pause and delete: <see cref="ScheduleStopper"/>). Ids are the creation time in
/// hex (11 digits) and 8 random hex digits: the listing's lex order is creation order.
/// </summary>
public sealed class ScheduleService(
    ScheduleStore schedules, ScheduleMaterializer materializer, MessageReader reader, IOptions<EchoOptions> options,
    [FromKeyedServices(AcceptClock.Key)] TimeProvider clock)
{
    /// <summary>How many of the last occurrences a read looks up for the last printed one.</summary>
    private const int LastLookups = 3;

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public static bool IsId(string id) => id.Length == 19 && id.All(char.IsAsciiHexDigitLower);

    /// <summary>The outcome and the id (this request's, or the original's under its key).</summary>
    public async Task<(ScheduleCreation Outcome, string Id)> CreateAsync(NewSchedule request, CronSchedule cron)
    {
        var now = NowMs;
        var id = FormattableString.Invariant($"{now:x11}{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        var fingerprint = Fingerprint(request);
        if (request.IdempotencyKey is { } key)
        {
            var (held, same) = await schedules.ReserveKeyAsync(key, fingerprint, id);
            if (!same)
            {
                return (ScheduleCreation.Conflict, held);
            }

            id = held;
        }

        var record = new ScheduleRecord(
            id, request.Cron, request.TimeZone, request.Message, Misfire.Name(request.Misfire), request.ExpireAfterMs, now,
            "", "", "0", [], null, false, false);
        var next = cron.NextAfter(now);
        var firstDue = Math.Max(now, (next ?? now) - (long)options.Value.ScheduleWindow.TotalMilliseconds);

        // A first occurrence within the window is materialised by this request, under a claim it holds, and not by the
        // next round of a loop: that round can come up to a sweep interval later, after the occurrence was due (it
        // would print late). Should this fail, the claim's lease ends and a loop takes the schedule.
        var inline = firstDue <= now;
        var outcome = await schedules.CreateAsync(record, fingerprint, inline ? now + (long)options.Value.ScheduleLease.TotalMilliseconds : firstDue);
        if (inline && outcome == ScheduleCreation.Created)
        {
            await materializer.TryMaterializeAsync(id);
        }

        return (outcome, id);
    }

    public async Task<ScheduleView?> GetAsync(string id)
    {
        var record = await schedules.ReadAsync(id);
        return record is null || record.Deleted ? null : await ViewAsync(record);
    }

    /// <summary>
    /// A page of schedules after <paramref name="cursor"/>, and the cursor of the next page (null: no more).
    /// </summary>
    public async Task<(List<ScheduleView> Page, string? Next)> ListAsync(string? cursor, int limit)
    {
        var ids = await schedules.ListAsync(cursor, limit + 1);
        var records = await Task.WhenAll(ids.Take(limit).Select(schedules.ReadAsync));
        var views = await Task.WhenAll(records.OfType<ScheduleRecord>().Where(r => !r.Deleted).Select(ViewAsync));
        return ([.. views], ids.Length > limit ? ids[limit - 1] : null);
    }

    /// <summary>Resumed from now (and indexed again); null when there is no such schedule.</summary>
    public async Task<ScheduleView?> ResumeAsync(string id)
    {
        if (await schedules.ResumeAsync(id, NowMs) != ScheduleStep.Ok)
        {
            return null;
        }

        await schedules.IndexAsync(id, NowMs);
        return await GetAsync(id);
    }

    private async Task<ScheduleView> ViewAsync(ScheduleRecord record)
    {
        var now = NowMs;
        var next = !record.Paused && CronSchedule.TryParse(record.Cron, record.TimeZone, out var cron, out _, out _) ? cron.NextAfter(now) : null;
        var candidates = record.Outstanding.Concat(record.LastDropped is { } l ? [l] : [])
            .Where(o => o.DueMs <= now).OrderByDescending(o => o.DueMs).ThenByDescending(o => o.Id.Seq).Take(LastLookups);
        foreach (var candidate in candidates)
        {
            var found = await reader.LookupAsync(candidate.Id);
            if (found.Status == MessageStatus.Printed)
            {
                return new ScheduleView(record, next, candidate, found.PrintedAtMs);
            }
        }

        return new ScheduleView(record, next, null, null);
    }

    /// <summary>What "the same create request" means for an idempotency key.</summary>
    private static string Fingerprint(NewSchedule r) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"{r.Cron}\n{r.TimeZone}\n{Misfire.Name(r.Misfire)}\n{r.ExpireAfterMs}\n{r.Message}")).AsSpan(0, 16));
}
