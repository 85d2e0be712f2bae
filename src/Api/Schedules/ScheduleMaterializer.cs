using EchoAtTime.Api.Accept;
using EchoAtTime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Schedules;

/// <summary>
/// Appends schedules' occurrences as ordinary messages a window ahead (design: "Recurring messages"): claims due
/// schedules, plans their next occurrences (<see cref="OccurrencePlanner"/>) behind a compare-and-set, appends them
/// under per-occurrence idempotency keys through <see cref="MessageWriter"/>, and commits. Every process with the API
/// runs it (<see cref="ScheduleLoop"/>); a plan left by one that died is appended as it stands by the next claimant.
/// </summary>
public sealed partial class ScheduleMaterializer(
    ScheduleStore schedules, SlotStore slots, MessageWriter writer, IOptions<EchoOptions> options, [FromKeyedServices(AcceptClock.Key)] TimeProvider clock,
    ILogger<ScheduleMaterializer> logger)
{
    /// <summary>Most schedules one round claims.</summary>
    public const int ClaimsPerRound = 64;

    /// <summary>
    /// How long an occurrence stays in a schedule's outstanding list after its due time (what DELETE cancels, what GET
    /// reads last from).
    /// </summary>
    public const long KeepOutstandingMs = 60_000;

    private readonly EchoOptions _options = options.Value;

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private long WindowMs => (long)_options.ScheduleWindow.TotalMilliseconds;

    /// <summary>One round: claims what is due and materialises it; returns how many schedules it claimed.</summary>
    public async Task<int> RunOnceAsync()
    {
        var ids = await schedules.ClaimAsync(NowMs, (long)_options.ScheduleLease.TotalMilliseconds, ClaimsPerRound);
        await Task.WhenAll(ids.Select(TryMaterializeAsync));
        return ids.Length;
    }

    /// <summary>
    /// Materialises one schedule this process holds the claim of; a failure is logged and left to the lease.
    /// </summary>
    public async Task TryMaterializeAsync(string id)
    {
        try
        {
            await MaterializeAsync(id);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Its claim's lease runs out and any process tries again; a plan noted stays and is appended as it stands.
            LogFailed(id, ex);
        }
    }

    /// <summary>Materialises one claimed schedule.</summary>
    public async Task MaterializeAsync(string id)
    {
        var schedule = await schedules.ReadAsync(id);
        if (schedule is null || schedule.Deleted || schedule.Paused)
        {
            // Resume and a create's retry index it again; a deleted one is dropped by its DELETE too.
            await schedules.RescoreAsync(id, null);
            return;
        }

        if (!CronSchedule.TryParse(schedule.Cron, schedule.TimeZone, out var cron, out _, out _) || !Misfire.TryParse(schedule.Misfire, out var policy))
        {
            // Validated at create: only a zone this server's time zone data lacks (another silo's had it) lands here.
            LogUnreadable(id, schedule.Cron, schedule.TimeZone);
            await schedules.RescoreAsync(id, NowMs + (long)_options.ScheduleLease.TotalMilliseconds);
            return;
        }

        var now = NowMs;
        OccurrencePlan plan;
        if (schedule.Plan.Length > 0)
        {
            // A materialisation under way died (or is slow): its plan, as it stands. Appending it again stores nothing
            // twice.
            var left = PlannedOccurrence.Parse(schedule.Plan);
            var through = left.Count > 0 ? Math.Max(schedule.ThroughMs, left[^1].OccurrenceMs) : schedule.ThroughMs;
            plan = new OccurrencePlan(left, through, cron.NextAfter(through) is { } n ? Math.Max(now, n - WindowMs) : null);
        }
        else
        {
            plan = OccurrencePlanner.Plan(cron, policy, schedule.ThroughMs, now, WindowMs, (long)_options.MisfireThreshold.TotalMilliseconds);
            if (plan.Plan.Count > 0 && await schedules.PlanAsync(schedule, plan.Plan) != ScheduleStep.Ok)
            {
                // Stopped (its pause or DELETE cancels what there is), changed by another claimant, or gone.
                return;
            }
        }

        var planText = schedule.Plan.Length > 0 ? schedule.Plan : PlannedOccurrence.Format(plan.Plan);
        ScheduleRequest[] requests = [.. plan.Plan.Select(p => ScheduleOccurrences.Request(schedule, schedule.Generation, p.OccurrenceMs, p.DueMs, _options.ScheduleKeyRetention))];
        var results = requests.Length == 0 ? [] : await writer.WriteAsync(requests);
        if (results.Any(r => r.Outcome is ScheduleOutcome.Unavailable or ScheduleOutcome.KeyConflict))
        {
            // The plan stays noted; the next round appends it (the stored ones answer their ids again).
            await schedules.RescoreAsync(id, now + (long)_options.SweepInterval.TotalMilliseconds);
            return;
        }

        var appended = results.Select(r => new ScheduledOccurrence(r.Id.DueMs, r.Id)).ToList();
        switch (await schedules.CommitAsync(id, planText, schedule.ThroughText, plan.ThroughMs, now - KeepOutstandingMs, appended))
        {
            case ScheduleStep.Ok:
                await schedules.RescoreAsync(id, plan.NextDueMs);

                // Committed: nothing writes these occurrences again (the plan is cleared, 't' moved past them), so
                // their keys go now rather than stay a reservation and a nonce per occurrence for the retention.
                await slots.ForgetKeysAsync([.. requests.Select(r => r.IdempotencyKey!)], ScheduleOccurrences.Fingerprint);
                break;
            case ScheduleStep.Stale:
                // Another claimant (this one's lease ran out) committed this plan first and may have dropped its keys
                // before these appends: what it did not record is a second copy, canceled before it is due.
                var committed = await schedules.ReadAsync(id);
                var known = (committed?.Outstanding ?? []).Concat(committed?.LastDropped is { } l ? [l] : []).Select(o => o.Id).ToHashSet();
                await Task.WhenAll(appended.Where(a => !known.Contains(a.Id)).Select(a => writer.CancelAsync(a.Id)));
                break;
            case ScheduleStep.Stopped or ScheduleStep.Gone:
                // Paused or deleted while these were appended: the stop may not have seen them, so they are canceled
                // here.
                await Task.WhenAll(appended.Select(a => writer.CancelAsync(a.Id)));
                await schedules.RescoreAsync(id, null);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Materialising schedule {Id} failed; it is tried again when its claim ends")]
    private partial void LogFailed(string id, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schedule {Id} cannot be read on this server (cron '{Cron}', zone '{Zone}'); left for another")]
    private partial void LogUnreadable(string id, string cron, string zone);
}
