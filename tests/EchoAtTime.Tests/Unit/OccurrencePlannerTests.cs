using EchoAtTime.Api.Schedules;
using Microsoft.Extensions.Time.Testing;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// What one materialisation appends, with a fake clock: the window ahead, never a due time before the occurrence,
/// and the misfire policies after the cluster was down (catchUp all, due now in order; latest the last; skip none).
/// </summary>
public sealed class OccurrencePlannerTests
{
    private const long WindowMs = 10_000;
    private const long ThresholdMs = 10_000;

    private static readonly DateTimeOffset Start = new(2026, 3, 29, 0, 59, 0, TimeSpan.Zero);

    private static CronSchedule EveryTwoSeconds()
    {
        Assert.True(CronSchedule.TryParse("*/2 * * * * *", "Europe/Berlin", out var cron, out _, out _));
        return cron;
    }

    [Fact]
    public void A_healthy_round_appends_the_occurrences_of_the_window_ahead_each_due_at_its_time()
    {
        var clock = new FakeTimeProvider(Start);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();

        var plan = OccurrencePlanner.Plan(EveryTwoSeconds(), MisfirePolicy.Skip, now, now, WindowMs, ThresholdMs);

        Assert.Equal([.. Enumerable.Range(1, 5).Select(i => now + (i * 2_000L))], plan.Plan.Select(p => p.OccurrenceMs));
        Assert.All(plan.Plan, p => Assert.Equal(p.OccurrenceMs, p.DueMs));
        Assert.Equal(now + WindowMs, plan.ThroughMs);
        Assert.Equal(now + 12_000 - WindowMs, plan.NextDueMs);

        // The next round, two seconds on, adds only the one occurrence the window gained.
        clock.Advance(TimeSpan.FromSeconds(2));
        var next = OccurrencePlanner.Plan(EveryTwoSeconds(), MisfirePolicy.Skip, plan.ThroughMs, clock.GetUtcNow().ToUnixTimeMilliseconds(), WindowMs, ThresholdMs);
        Assert.Equal([now + 12_000], next.Plan.Select(p => p.OccurrenceMs));
    }

    [Theory]
    [InlineData(MisfirePolicy.CatchUp, 24)]
    [InlineData(MisfirePolicy.Latest, 1)]
    [InlineData(MisfirePolicy.Skip, 0)]
    public void After_a_minute_down_the_policy_decides_what_of_the_missed_occurrences_is_appended_and_late_ones_are_due_now(MisfirePolicy policy, int missedKept)
    {
        var clock = new FakeTimeProvider(Start);
        var through = clock.GetUtcNow().ToUnixTimeMilliseconds();
        clock.Advance(TimeSpan.FromMinutes(1));
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();

        var plan = OccurrencePlanner.Plan(EveryTwoSeconds(), policy, through, now, WindowMs, ThresholdMs);

        // Missed: more than the threshold before now (through+2 s … now−12 s: 24 of them).
        var missed = plan.Plan.Where(p => p.OccurrenceMs < now - ThresholdMs).ToList();
        Assert.Equal(missedKept, missed.Count);
        if (policy == MisfirePolicy.Latest)
        {
            Assert.Equal(now - 12_000, missed[0].OccurrenceMs);
        }

        // The rest as usual: from the threshold through the window, none left out.
        Assert.Equal([.. Enumerable.Range(0, 11).Select(i => now - ThresholdMs + (i * 2_000L))], plan.Plan.Skip(missedKept).Select(p => p.OccurrenceMs));
        Assert.All(plan.Plan, p => Assert.Equal(Math.Max(p.OccurrenceMs, now), p.DueMs));
        Assert.Equal(plan.Plan.OrderBy(p => p.OccurrenceMs), plan.Plan);
    }

    [Fact]
    public void A_catch_up_longer_than_a_round_goes_on_from_where_it_stopped_and_is_due_again_at_once()
    {
        var clock = new FakeTimeProvider(Start);
        var through = clock.GetUtcNow().ToUnixTimeMilliseconds();
        clock.Advance(TimeSpan.FromHours(1));
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();

        var first = OccurrencePlanner.Plan(EveryTwoSeconds(), MisfirePolicy.CatchUp, through, now, WindowMs, ThresholdMs);
        var second = OccurrencePlanner.Plan(EveryTwoSeconds(), MisfirePolicy.CatchUp, first.ThroughMs, now, WindowMs, ThresholdMs);

        Assert.Equal(OccurrencePlanner.MaxPerRound, first.Plan.Count);
        Assert.Equal(first.Plan[^1].OccurrenceMs, first.ThroughMs);
        Assert.Equal(now, first.NextDueMs);
        Assert.Equal(first.ThroughMs + 2_000, second.Plan[0].OccurrenceMs);
    }

    [Fact]
    public void Latest_after_a_day_down_walks_to_the_last_missed_occurrence_and_appends_only_it_of_them()
    {
        var clock = new FakeTimeProvider(Start);
        var through = clock.GetUtcNow().ToUnixTimeMilliseconds();
        clock.Advance(TimeSpan.FromDays(1));
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();

        var plan = OccurrencePlanner.Plan(EveryTwoSeconds(), MisfirePolicy.Latest, through, now, WindowMs, ThresholdMs);

        Assert.Equal(12, plan.Plan.Count);
        Assert.Equal(now - 12_000, plan.Plan[0].OccurrenceMs);
        Assert.Equal(now, plan.Plan[0].DueMs);
    }

    [Fact]
    public void Misfire_names_are_the_api_s()
    {
        foreach (var policy in Enum.GetValues<MisfirePolicy>())
        {
            Assert.True(Misfire.TryParse(Misfire.Name(policy), out var back));
            Assert.Equal(policy, back);
        }

        Assert.False(Misfire.TryParse("CatchUp", out _));
    }
}
