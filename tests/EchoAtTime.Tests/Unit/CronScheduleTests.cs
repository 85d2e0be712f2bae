using EchoAtTime.Api.Schedules;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// Occurrences of a cron in an IANA zone through both daylight-saving changes (Cronos' rules, stated in docs/api.md):
/// a local time in the spring-forward gap fires once, at the transition; one the fall-back overlap repeats fires
/// once, at its first instance; an interval schedule fires through both instances of the overlap.
/// </summary>
public sealed class CronScheduleTests
{
    private static CronSchedule Parse(string cron, string zone)
    {
        Assert.True(CronSchedule.TryParse(cron, zone, out var schedule, out var cronError, out var zoneError), $"{cronError} {zoneError}");
        return schedule;
    }

    private static long Ms(string isoUtc) => DateTimeOffset.Parse(isoUtc, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static string[] Between(CronSchedule cron, string fromUtc, string toUtc) =>
        [.. cron.Between(Ms(fromUtc), Ms(toUtc), 100).Select(EchoTime.Format)];

    [Theory]
    // Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00Z); 02:30 does not exist that day.
    [InlineData("Europe/Berlin", "2026-03-28T00:00:00Z", "2026-03-30T23:00:00Z", "2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z")]
    // New York, 8 March 2026: 02:00 EST becomes 03:00 EDT (07:00Z).
    [InlineData("America/New_York", "2026-03-07T00:00:00Z", "2026-03-09T23:00:00Z", "2026-03-07T07:30:00.000Z", "2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z")]
    public void A_daily_time_in_the_spring_forward_gap_fires_once_at_the_transition(string zone, string from, string to, params string[] expected)
    {
        Assert.Equal(expected, Between(Parse("30 2 * * *", zone), from, to));
    }

    [Theory]
    // Berlin, 25 October 2026: 03:00 CEST becomes 02:00 CET (01:00Z); 02:30 happens at 00:30Z and again at 01:30Z.
    [InlineData("Europe/Berlin", "30 2 * * *", "2026-10-24T00:00:00Z", "2026-10-26T23:00:00Z", "2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z")]
    // New York, 1 November 2026: 02:00 EDT becomes 01:00 EST (06:00Z); 01:30 happens at 05:30Z and again at 06:30Z.
    [InlineData("America/New_York", "30 1 * * *", "2026-10-31T00:00:00Z", "2026-11-02T23:00:00Z", "2026-10-31T05:30:00.000Z", "2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z")]
    public void A_daily_time_the_fall_back_overlap_repeats_fires_once_at_its_first_instance(string zone, string cron, string from, string to, params string[] expected)
    {
        Assert.Equal(expected, Between(Parse(cron, zone), from, to));
    }

    [Theory]
    [InlineData("Europe/Berlin", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z")]
    [InlineData("America/New_York", "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z")]
    public void An_interval_schedule_fires_through_both_instances_of_the_overlap_every_half_hour_of_real_time(string zone, string from, string to)
    {
        var fired = Between(Parse("*/30 * * * *", zone), from, to);

        // Exclusive of from, inclusive of to: every half hour of UTC, none twice, none left out.
        Assert.Equal([.. Enumerable.Range(1, 4).Select(i => EchoTime.Format(Ms(from) + (i * 1_800_000L)))], fired);
    }

    [Theory]
    [InlineData("*/2 * * * * *", 2_000)]
    [InlineData("*/2 * * * *", 120_000)]
    [InlineData("@hourly", 3_600_000)]
    public void Five_fields_are_minutes_six_have_seconds_first(string cron, long periodMs)
    {
        var times = Parse(cron, "UTC").Between(Ms("2026-01-01T00:00:00Z"), Ms("2026-01-02T00:00:00Z"), 3).ToList();

        Assert.Equal(3, times.Count);
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.Equal(periodMs, pair.Second - pair.First));
    }

    [Theory]
    [InlineData("* * * *", "UTC", true, false)]
    [InlineData("61 * * * *", "UTC", true, false)]
    [InlineData("* * * * * * *", "UTC", true, false)]
    [InlineData("0 9 * * MON-FRI", "Mars/Olympus_Mons", false, true)]
    [InlineData("0 9 * * MON-FRI", "W. Europe Standard Time", false, true)]
    [InlineData("nonsense", "Nowhere", true, true)]
    public void A_bad_cron_or_an_unknown_zone_is_named(string cron, string zone, bool cronBad, bool zoneBad)
    {
        Assert.False(CronSchedule.TryParse(cron, zone, out _, out var cronError, out var zoneError));
        Assert.Equal(cronBad, cronError is not null);
        Assert.Equal(zoneBad, zoneError is not null);
    }

    [Fact]
    public void A_cron_no_date_matches_has_no_next_occurrence()
    {
        Assert.Null(Parse("0 0 30 2 *", "UTC").NextAfter(Ms("2026-01-01T00:00:00Z")));
    }
}
