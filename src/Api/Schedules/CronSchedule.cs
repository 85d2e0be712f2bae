using System.Diagnostics.CodeAnalysis;
using Cronos;

namespace EchoAtTime.Api.Schedules;

/// <summary>
/// A cron expression in an IANA time zone, parsed by Cronos (no parser of ours): five fields, or six with seconds
/// first. Occurrences are Cronos': a local time that falls in a spring-forward gap fires once, at the transition; one
/// that a fall-back overlap repeats fires once, at its first instance (an interval schedule, <c>*/15 * * * *</c>, fires
/// through both instances of the overlap, as the clock shows them).
/// </summary>
public sealed class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        Zone = zone;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>
    /// Parses; on failure <paramref name="cronError"/> or <paramref name="zoneError"/> (or both) say what is wrong.
    /// </summary>
    public static bool TryParse(string cron, string zoneId, [NotNullWhen(true)] out CronSchedule? schedule, out string? cronError, out string? zoneError)
    {
        schedule = null;
        cronError = null;
        zoneError = null;
        CronExpression? expression = null;
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is not (5 or 6) && !cron.StartsWith('@'))
        {
            cronError = $"has {fields} fields: give five (minute hour day month weekday) or six (seconds first)";
        }
        else
        {
            try
            {
                expression = CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException ex)
            {
                cronError = $"is not a valid cron expression: {ex.Message}";
            }
        }

        var zone = FindZone(zoneId, out zoneError);
        if (expression is null || zone is null)
        {
            return false;
        }

        schedule = new CronSchedule(expression, zone);
        return true;
    }

    /// <summary>
    /// The zone of an IANA id; Windows ids (which .NET would convert) are refused, so what is stored is what runs
    /// everywhere.
    /// </summary>
    private static TimeZoneInfo? FindZone(string id, out string? error)
    {
        error = null;
        if (id.Length is > 0 and <= 64 && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId)
        {
            return zone;
        }

        error = "is not an IANA time zone id (such as 'Europe/Berlin' or 'UTC') known to this server";
        return null;
    }

    /// <summary>
    /// The first occurrence strictly after <paramref name="afterMs"/>, or null when there is none (ever).
    /// </summary>
    public long? NextAfter(long afterMs) =>
        _expression.GetNextOccurrence(DateTimeOffset.FromUnixTimeMilliseconds(afterMs), Zone, inclusive: false)?.ToUnixTimeMilliseconds();

    /// <summary>
    /// Occurrences after <paramref name="afterMs"/> (exclusive) through <paramref name="throughMs"/> (inclusive), at
    /// most <paramref name="take"/>, in order.
    /// </summary>
    public IEnumerable<long> Between(long afterMs, long throughMs, int take) => afterMs >= throughMs
        ? []
        : _expression.GetOccurrences(
                DateTimeOffset.FromUnixTimeMilliseconds(afterMs), DateTimeOffset.FromUnixTimeMilliseconds(throughMs), Zone, fromInclusive: false, toInclusive: true)
            .Select(o => o.ToUnixTimeMilliseconds())
            .Take(take);
}
