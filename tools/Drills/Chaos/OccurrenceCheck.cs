using Cronos;

namespace EchoAtTime.Chaos;

/// <summary>
/// The schedules' part of the verdict: every occurrence due from the first one its 201 named through the end of
/// scheduling printed (MISSING otherwise; one appended late counts for the latest second at or before its due time),
/// each under one id, and none due after the DELETEs were answered.
/// Repeats, order (with the one-off messages) and earliness are the shared <see cref="Invariants"/>', over every line.
/// </summary>
public static class OccurrenceCheck
{
    /// <summary>
    /// Five fields, or six with seconds first, as <c>POST /schedules</c> takes them; false when neither.
    /// </summary>
    public static bool TryParse(string cron, out CronExpression? expression) =>
        CronExpression.TryParse(cron, cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard, out expression);

    /// <summary>
    /// The due times of <paramref name="cron"/> (UTC) from <paramref name="fromMs"/> through
    /// <paramref name="throughMs"/>.
    /// </summary>
    public static IReadOnlyList<long> Dues(string cron, long fromMs, long throughMs)
    {
        var expression = TryParse(cron, out var parsed) ? parsed! : throw new ArgumentException($"'{cron}' is not a cron", nameof(cron));
        return fromMs > throughMs
            ? []
            : [.. expression.GetOccurrences(DateTime.UnixEpoch.AddMilliseconds(fromMs), DateTime.UnixEpoch.AddMilliseconds(throughMs), TimeZoneInfo.Utc, fromInclusive: true, toInclusive: true)
                .Select(d => (long)(d - DateTime.UnixEpoch).TotalMilliseconds)];
    }

    public static OccurrenceFigures Check(string cron, IReadOnlyList<RecurringSchedule> schedules, IReadOnlyList<PrintedLine> lines, long throughMs, long deletedAtMs, List<string> evidence)
    {
        long expected = 0, printed = 0, missing = 0, twoIds = 0, afterDelete = 0;
        foreach (var schedule in schedules)
        {
            var mine = lines.Where(l => l.Message == schedule.Text).ToList();
            // An occurrence appended after its second (a materialisation that came late: the first one, planned by the
            // create an instant before its second; one after a claimant died) is due when it was appended, before the
            // next occurrence: it is the occurrence whose second is the latest at or before its due time.
            var all = Dues(cron, schedule.FirstDueMs, Math.Max(throughMs, mine.Count == 0 ? 0 : mine.Max(l => l.DueMs))).ToArray();
            var dues = all.Where(d => d <= throughMs).ToList();
            long Occurrence(long dueMs) => Array.BinarySearch(all, dueMs) is var i && i >= 0 ? all[i] : ~i > 0 ? all[~i - 1] : dueMs;
            var byDue = mine.GroupBy(l => Occurrence(l.DueMs)).ToDictionary(g => g.Key, g => g.Select(l => l.Id).Distinct().Count());
            expected += dues.Count;
            printed += mine.Select(l => l.Id).Distinct().LongCount();
            foreach (var due in dues.Where(d => !byDue.ContainsKey(d)))
            {
                Add(evidence, ++missing, $"missing occurrence: {schedule.Id} due {PrintedLine.FormatMs(due)} never printed");
            }

            foreach (var (due, ids) in byDue.Where(d => d.Value > 1))
            {
                Add(evidence, ++twoIds, $"occurrence under {ids} ids: {schedule.Id} due {PrintedLine.FormatMs(due)}");
            }

            foreach (var line in mine.Where(l => l.DueMs > deletedAtMs))
            {
                Add(evidence, ++afterDelete, $"occurrence after DELETE: {line.Id} of {schedule.Id} printed by {line.Instance}");
            }
        }

        return new OccurrenceFigures(schedules.Count, expected, printed, missing, twoIds, afterDelete);
    }

    private static void Add(List<string> evidence, long count, string line)
    {
        if (count <= 20)
        {
            evidence.Add(line);
        }
    }
}

/// <summary>The schedules' figures of a run (all zero without <c>--schedules</c>).</summary>
public sealed record OccurrenceFigures(int Schedules, long Expected, long Printed, long Missing, long UnderTwoIds, long AfterDelete)
{
    public static OccurrenceFigures None { get; } = new(0, 0, 0, 0, 0, 0);

    public bool Holds => Missing == 0 && UnderTwoIds == 0 && AfterDelete == 0;
}
