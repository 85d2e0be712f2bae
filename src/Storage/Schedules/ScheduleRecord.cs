namespace EchoAtTime.Storage;

/// <summary>
/// A schedule as its hash holds it (<c>Scripts/schedule*.lua</c>). <see cref="ThroughMs"/>, <see cref="Plan"/> and
/// <see cref="Generation"/> are kept as the store's text, because the plan's compare-and-set compares them as text.
/// </summary>
public sealed record ScheduleRecord(
    string Id,
    string Cron,
    string TimeZone,
    string Message,
    string Misfire,
    long ExpireAfterMs,
    long CreatedMs,
    string ThroughText,
    string Plan,
    string Generation,
    IReadOnlyList<ScheduledOccurrence> Outstanding,
    ScheduledOccurrence? LastDropped,
    bool Paused,
    bool Deleted)
{
    public long ThroughMs => long.Parse(ThroughText, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// An occurrence appended as a message: its due time as placed and its message id, as <c>"dueMs|id"</c> in the hash.
/// </summary>
public readonly record struct ScheduledOccurrence(long DueMs, MessageId Id)
{
    public override string ToString() => FormattableString.Invariant($"{DueMs}|{Id}");

    /// <summary>
    /// The entries of an "a,b,c" list; a malformed one is left out (it can only be one this version never wrote).
    /// </summary>
    public static List<ScheduledOccurrence> ParseList(string? text)
    {
        var list = new List<ScheduledOccurrence>();
        foreach (var entry in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (TryParse(entry, out var occurrence))
            {
                list.Add(occurrence);
            }
        }

        return list;
    }

    public static bool TryParse(string? entry, out ScheduledOccurrence occurrence)
    {
        occurrence = default;
        var bar = entry?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        if (bar <= 0 || !long.TryParse(entry.AsSpan(0, bar), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var due)
            || !MessageId.TryParse(entry![(bar + 1)..], out var id))
        {
            return false;
        }

        occurrence = new ScheduledOccurrence(due, id);
        return true;
    }
}

/// <summary>
/// An occurrence a materialisation plans to append: its cron time and the due time it gets (now, for a late one).
/// </summary>
public readonly record struct PlannedOccurrence(long OccurrenceMs, long DueMs)
{
    public static string Format(IEnumerable<PlannedOccurrence> plan) =>
        string.Join(',', plan.Select(p => FormattableString.Invariant($"{p.OccurrenceMs}:{p.DueMs}")));

    public static List<PlannedOccurrence> Parse(string? text)
    {
        var list = new List<PlannedOccurrence>();
        foreach (var entry in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(':');
            if (parts.Length == 2
                && long.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var occurrence)
                && long.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var due))
            {
                list.Add(new PlannedOccurrence(occurrence, due));
            }
        }

        return list;
    }
}

/// <summary>
/// What a plan or commit met: done, the schedule paused or deleted meanwhile, changed by another claimant, or gone.
/// </summary>
public enum ScheduleStep
{
    Ok,
    Stopped,
    Stale,
    Gone,
}

/// <summary>What a pause or delete found: the flag before, and what the caller must cancel.</summary>
public sealed record ScheduleStopped(string Before, IReadOnlyList<ScheduledOccurrence> Outstanding, IReadOnlyList<PlannedOccurrence> Plan, string Generation);

/// <summary>
/// What a create found: stored now, stored before by the same request, deleted since, or another request's.
/// </summary>
public enum ScheduleCreation
{
    Created,
    Repeated,
    Deleted,
    Conflict,
}
