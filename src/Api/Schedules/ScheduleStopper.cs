using EchoAtTime.Api.Accept;
using EchoAtTime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Schedules;

/// <summary>
/// DELETE and pause: after the flag is set (one script, which also returns what was materialised), every
/// occurrence that may still print is canceled through the ordinary cancel path, atomic with the printer's fence —
/// so once the caller is answered, nothing more of the schedule prints. A materialisation under way (its plan noted,
/// its appends perhaps done) is finished here under its keys, at least a minute ahead, and canceled.
/// </summary>
public sealed class ScheduleStopper(ScheduleStore schedules, MessageWriter writer, IOptions<EchoOptions> options, [FromKeyedServices(AcceptClock.Key)] TimeProvider clock)
{
    /// <summary>
    /// Where an occurrence of a plan under way is written when its first append may not have happened: it cannot print
    /// before its cancel.
    /// </summary>
    private const long AheadMs = 60_000;

    /// <summary>False when there is no such schedule (or a pause of a deleted one).</summary>
    public async Task<bool> StopAsync(string id, bool delete)
    {
        // Read first for the text an occurrence of a plan under way is written with (it is canceled at once).
        var schedule = await schedules.ReadAsync(id);
        if (schedule is null || await schedules.StopAsync(id, delete) is not { } stopped)
        {
            return false;
        }

        var ids = stopped.Outstanding.Select(o => o.Id).ToList();
        if (stopped.Plan.Count > 0)
        {
            var later = clock.GetUtcNow().ToUnixTimeMilliseconds() + AheadMs;
            var results = await writer.WriteAsync([.. stopped.Plan.Select(p => ScheduleOccurrences.Request(schedule, stopped.Generation, p.OccurrenceMs, Math.Max(p.DueMs, later), options.Value.ScheduleKeyRetention))]);
            if (results.Any(r => r.Outcome is ScheduleOutcome.Unavailable or ScheduleOutcome.KeyConflict))
            {
                // Not all canceled: not answered as done. The flag is set; a retry finds the same plan and finishes it.
                throw new InvalidOperationException($"Stopping schedule {id}: the store did not carry out every write.");
            }

            ids.AddRange(results.Select(r => r.Id));
        }

        // Each is canceled, or printed before this (409 for it is fine: it printed before the answer).
        await Task.WhenAll(ids.Distinct().Select(writer.CancelAsync));
        await (delete ? schedules.ForgetAsync(id) : schedules.RescoreAsync(id, null));
        return true;
    }
}
