using EchoAtTime.Storage;

namespace EchoAtTime.Api.Schedules;

/// <summary>
/// What one materialisation appends, how far it gets, and when the schedule must be materialised next.
/// </summary>
/// <param name="Plan">The occurrences to append, in order, each due at its time or now, whichever is later.</param>
/// <param name="ThroughMs">Materialised-through once they are appended: the next search starts after it.</param>
/// <param name="NextDueMs">When to materialise again (the next occurrence minus the window), or null: it never fires
/// again.</param>
public sealed record OccurrencePlan(IReadOnlyList<PlannedOccurrence> Plan, long ThroughMs, long? NextDueMs);

/// <summary>
/// The occurrence calculation, pure: from a schedule's materialised-through, now, the window and the misfire
/// threshold to the occurrences to append. Occurrences more than the threshold before now were missed (the cluster
/// was down): <see cref="MisfirePolicy.CatchUp"/> keeps all of them, <see cref="MisfirePolicy.Latest"/> the last,
/// <see cref="MisfirePolicy.Skip"/> none. Kept late ones are due now: the store takes no appends to a minute long
/// over, and "now" prints them in occurrence order (they are appended in one call, in that order).
/// </summary>
public static class OccurrencePlanner
{
    /// <summary>Most occurrences one materialisation appends; a longer catch-up goes on at the next round.</summary>
    public const int MaxPerRound = 500;

    public static OccurrencePlan Plan(CronSchedule cron, MisfirePolicy policy, long throughMs, long nowMs, long windowMs, long thresholdMs)
    {
        var horizon = nowMs + windowMs;
        var missedBefore = nowMs - thresholdMs;
        var plan = new List<PlannedOccurrence>();
        var from = throughMs;
        if (policy != MisfirePolicy.CatchUp && from < missedBefore - 1)
        {
            // Walked lazily, whatever the outage's length: only the last missed one can be kept.
            if (policy == MisfirePolicy.Latest && cron.Between(from, missedBefore - 1, int.MaxValue).Select(o => (long?)o).LastOrDefault() is { } last)
            {
                plan.Add(new PlannedOccurrence(last, nowMs));
            }

            from = missedBefore - 1;
        }

        plan.AddRange(cron.Between(from, horizon, MaxPerRound - plan.Count).Select(o => new PlannedOccurrence(o, Math.Max(o, nowMs))));
        var through = plan.Count >= MaxPerRound ? plan[^1].OccurrenceMs : horizon;
        var next = cron.NextAfter(through);
        return new OccurrencePlan(plan, through, next is { } n ? Math.Max(nowMs, n - windowMs) : null);
    }
}
