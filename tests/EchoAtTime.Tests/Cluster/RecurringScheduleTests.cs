using System.Globalization;
using EchoAtTime.Api.Accept;
using EchoAtTime.Api.Queries;
using EchoAtTime.Api.Schedules;
using EchoAtTime.Grains.Output;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EchoAtTime.Tests.Cluster;

/// <summary>
/// Recurring schedules on the two-silo cluster: each occurrence an ordinary message, printed once, never early, none
/// after DELETE; and the misfire policies applied to what a whole-cluster outage of a minute left.
/// </summary>
[Collection(SlotClusterFixture.Name)]
public sealed class RecurringScheduleTests(SlotClusterFixture fixture)
{
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(30);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private EchoOptions Options(TimeSpan window) => new()
    {
        KeyPrefix = fixture.Options.KeyPrefix,
        SweepInterval = fixture.Options.SweepInterval,
        ScheduleWindow = window,
    };

    private ScheduleStore Schedules(EchoOptions options) => new(fixture.Multiplexer, MsOptions.Create(options));

    private ScheduleMaterializer Materializer(EchoOptions options, MessageWriter writer, TimeProvider clock) =>
        new(Schedules(options), new SlotStore(fixture.Multiplexer, MsOptions.Create(options)), writer, MsOptions.Create(options), clock, NullLogger<ScheduleMaterializer>.Instance);

    private static CronSchedule Cron(string cron)
    {
        Assert.True(CronSchedule.TryParse(cron, "UTC", out var schedule, out _, out _));
        return schedule;
    }

    [Fact]
    public async Task An_every_two_seconds_schedule_on_two_materialisers_prints_each_occurrence_once_none_early_and_none_after_delete()
    {
        var options = Options(TimeSpan.FromSeconds(4));
        var writer = fixture.Writer;
        var store = Schedules(options);
        var reader = new MessageReader(fixture.Store);
        var service = new ScheduleService(store, Materializer(options, writer, TimeProvider.System), reader, MsOptions.Create(options), TimeProvider.System);
        var tag = $"{Guid.NewGuid():N}:every-2s";
        var (_, id) = await service.CreateAsync(new NewSchedule("*/2 * * * * *", "UTC", tag, MisfirePolicy.CatchUp, 0, null), Cron("*/2 * * * * *"));

        // Two processes' loops, as two silos run them.
        ScheduleLoop[] loops = [.. Enumerable.Range(0, 2).Select(_ => new ScheduleLoop(
            Materializer(options, writer, TimeProvider.System), MsOptions.Create(options), TimeProvider.System, NullLogger<ScheduleLoop>.Instance))];
        long deletedAtMs;
        try
        {
            await Task.WhenAll(loops.Select(l => l.StartAsync(CancellationToken.None)));
            await fixture.Sink.WaitForAsync(lines => CapturingSink.Tagged(lines, tag).Count >= 5, PrintTimeout);
            Assert.True(await new ScheduleStopper(store, writer, MsOptions.Create(options), TimeProvider.System).StopAsync(id, delete: true));
            deletedAtMs = NowMs;
        }
        finally
        {
            await Task.WhenAll(loops.Select(l => l.StopAsync(CancellationToken.None)));
        }

        // Past the window the materialisers had reached: anything materialised and not canceled would have printed by
        // then.
        var marker = $"{Guid.NewGuid():N}:after-delete";
        await writer.WriteAsync([new ScheduleRequest(deletedAtMs + 5_000, marker)]);
        var printed = CapturingSink.Tagged(await fixture.Sink.WaitForAsync(lines => lines.Any(l => l.Message == marker), PrintTimeout), tag);

        Assert.All(printed, line => Assert.True(fixture.Sink.ReceivedMs(line) >= line.Id.DueMs, $"{line.Id} printed {line.Id.DueMs - fixture.Sink.ReceivedMs(line)} ms early"));
        Assert.All(printed, line => Assert.True(fixture.Sink.ReceivedMs(line) <= deletedAtMs, $"{line.Id} printed {fixture.Sink.ReceivedMs(line) - deletedAtMs} ms after the DELETE was answered"));
        Assert.All(printed, line => Assert.False(line.Redelivered));
        var dues = printed.Select(l => l.Id.DueMs).ToList();
        Assert.Equal(dues.Distinct().Count(), dues.Count);
        Assert.All(dues, due => Assert.Equal(0, due % 2_000));
        Assert.Equal([.. Enumerable.Range(0, dues.Count).Select(i => dues[0] + (i * 2_000L))], dues);
        Assert.Null(await service.GetAsync(id));
    }

    [Theory]
    [InlineData(MisfirePolicy.CatchUp, 25)]
    [InlineData(MisfirePolicy.Latest, 1)]
    [InlineData(MisfirePolicy.Skip, 0)]
    public async Task After_a_minute_long_outage_the_policy_decides_which_missed_occurrences_print_late_in_order_and_the_rest_print_on_time(MisfirePolicy policy, int missedKept)
    {
        // The materialiser's clock is fixed at F, an odd second a little ahead: every occurrence (an even second) is
        // then exactly known. The schedule was materialised through a minute before F: the cluster was down since.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds((((NowMs / 2_000) + 1) * 2_000) + 1_000));
        var f = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var options = Options(TimeSpan.FromSeconds(2));
        var store = Schedules(options);
        var tag = $"{Guid.NewGuid():N}:misfire-{policy}";
        var id = FormattableString.Invariant($"{f:x11}{Random.Shared.Next():x8}");
        var record = new ScheduleRecord(id, "*/2 * * * * *", "UTC", tag, Misfire.Name(policy), 0, f - 60_000, "", "", "0", [], null, false, false);
        Assert.Equal(ScheduleCreation.Created, await store.CreateAsync(record, "fp", f - 60_000));

        await Materializer(options, fixture.Writer, clock).MaterializeAsync(id);

        // Missed: F−59 s … F−11 s (25); within the threshold: F−9 s … F−1 s (5), due at F too; in the window: F+1 s.
        var expected = missedKept + 5 + 1;
        var printed = CapturingSink.Tagged(await fixture.Sink.WaitForAsync(lines => CapturingSink.Tagged(lines, tag).Count >= expected, PrintTimeout), tag);
        await new ScheduleStopper(store, fixture.Writer, MsOptions.Create(options), TimeProvider.System).StopAsync(id, delete: true);

        Assert.Equal(expected, printed.Count);
        Assert.Equal(missedKept + 5, printed.Count(l => l.Id.DueMs == f));
        Assert.Equal([f + 1_000], printed.Where(l => l.Id.DueMs != f).Select(l => l.Id.DueMs));
        Assert.Equal(printed.OrderBy(l => l.Id.DueMs).ThenBy(l => l.Id.Seq).Select(l => l.Id), printed.Select(l => l.Id));
        Assert.All(printed, line => Assert.True(fixture.Sink.ReceivedMs(line) >= line.Id.DueMs, $"{line.Id} printed early"));
    }
    [Fact]
    public async Task A_plan_left_by_a_materialiser_killed_before_its_appends_is_taken_over_and_appended_before_its_first_occurrence_is_due()
    {
        // The defaults a deployment runs (window, lease, sweep interval); its own schedule index, so the dying claim
        // takes nothing of the other tests'.
        var options = new EchoOptions { KeyPrefix = $"{fixture.Options.KeyPrefix}lease{Guid.NewGuid():N}:" };
        var store = Schedules(options);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var id = FormattableString.Invariant($"{now:x11}{Random.Shared.Next():x8}");
        var tag = $"{Guid.NewGuid():N}:taken-over";
        // Running for a while: materialised through just before the last occurrence within the window, the round
        // that claims it now plans that one occurrence, a window ahead.
        var through = ((now + (long)options.ScheduleWindow.TotalMilliseconds) / 2_000 * 2_000) - 1;
        var record = new ScheduleRecord(id, "*/2 * * * * *", "UTC", tag, "catchUp", 0, now, through.ToString(CultureInfo.InvariantCulture), "", "0", [], null, false, false);
        Assert.Equal(ScheduleCreation.Created, await store.CreateAsync(record, "fp", now));

        // The materialiser that is killed: it claims the schedule and notes its plan, and its process is gone before
        // it appends (kill -9 between the two: what the chaos run met).
        Assert.Equal([id], await store.ClaimAsync(now, (long)options.ScheduleLease.TotalMilliseconds, ScheduleMaterializer.ClaimsPerRound));
        var plan = OccurrencePlanner.Plan(Cron(record.Cron), MisfirePolicy.CatchUp, record.ThroughMs, now, (long)options.ScheduleWindow.TotalMilliseconds, (long)options.MisfireThreshold.TotalMilliseconds);
        Assert.Equal(ScheduleStep.Ok, await store.PlanAsync((await store.ReadAsync(id))!, plan.Plan));
        var first = plan.Plan[0];
        Assert.True(first.DueMs >= now + options.ScheduleWindow.TotalMilliseconds - 2_000, $"the plan starts {first.DueMs - now} ms ahead");

        // Another process's loop, a round every sweep interval, until it claims the schedule or the first planned
        // occurrence falls due.
        var survivor = new ScheduleMaterializer(store, fixture.Store, fixture.Writer, MsOptions.Create(options), clock, NullLogger<ScheduleMaterializer>.Instance);
        var takenOver = false;
        while (!takenOver && clock.GetUtcNow().ToUnixTimeMilliseconds() < first.DueMs)
        {
            clock.Advance(options.SweepInterval);
            takenOver = await survivor.RunOnceAsync() > 0;
        }

        try
        {
            var takenOverAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
            Assert.True(takenOver, $"no process took the schedule over before its first planned occurrence was due ({first.DueMs - now} ms after the kill; lease {options.ScheduleLease})");
            var committed = (await store.ReadAsync(id))!;
            Assert.Equal("", committed.Plan);
            Assert.Equal(plan.Plan.Select(p => p.OccurrenceMs), committed.Outstanding.Select(o => o.DueMs));
            Assert.True(first.DueMs - takenOverAt >= options.SweepInterval.TotalMilliseconds, $"appended {first.DueMs - takenOverAt} ms before it was due");
        }
        finally
        {
            await new ScheduleStopper(store, fixture.Writer, MsOptions.Create(options), TimeProvider.System).StopAsync(id, delete: true);
        }
    }

    /// <summary>
    /// A daily schedule whose window reaches two days: its occurrences are planned now and due far ahead, so none
    /// prints here.
    /// </summary>
    private async Task<(EchoOptions Options, ScheduleStore Store, ScheduleRecord Record, List<ScheduleRequest> Requests)> PlannedAheadAsync()
    {
        var options = Options(TimeSpan.FromDays(2));
        var store = Schedules(options);
        var now = NowMs;
        var id = FormattableString.Invariant($"{now:x11}{Random.Shared.Next():x8}");
        await store.CreateAsync(new ScheduleRecord(id, "0 12 * * *", "UTC", $"{Guid.NewGuid():N}:noon", "catchUp", 0, now, "", "", "0", [], null, false, false), "fp", now);
        var record = (await store.ReadAsync(id))!;
        var plan = OccurrencePlanner.Plan(Cron("0 12 * * *"), MisfirePolicy.CatchUp, record.ThroughMs, now, (long)options.ScheduleWindow.TotalMilliseconds, 10_000);
        Assert.Equal(ScheduleStep.Ok, await store.PlanAsync(record, plan.Plan));
        return (options, store, record, [.. plan.Plan.Select(p => ScheduleOccurrences.Request(record, "0", p.OccurrenceMs, p.DueMs, options.ScheduleKeyRetention))]);
    }

    [Fact]
    public async Task A_plan_left_by_a_materialiser_that_died_after_its_appends_is_appended_again_by_the_next_claimant_and_stored_once()
    {
        var (options, store, record, requests) = await PlannedAheadAsync();
        var first = await fixture.Writer.WriteAsync(requests);

        await Materializer(options, fixture.Writer, TimeProvider.System).MaterializeAsync(record.Id);

        var committed = (await store.ReadAsync(record.Id))!;
        Assert.Equal("", committed.Plan);
        Assert.Equal(first.Select(r => r.Id), committed.Outstanding.Select(o => o.Id));
        foreach (var slot in first.Select(r => r.Id.Slot).Distinct())
        {
            Assert.Single((await fixture.Store.LoadAsync(slot)).Elements);
        }

        await new ScheduleStopper(store, fixture.Writer, MsOptions.Create(options), TimeProvider.System).StopAsync(record.Id, delete: true);
        foreach (var result in first)
        {
            Assert.Equal(MessageStatus.Canceled, await fixture.Store.StatusAsync(result.Id));
        }
    }

    [Fact]
    public async Task A_delete_while_a_materialisation_is_under_way_cancels_what_it_appended_and_what_it_had_yet_to_append()
    {
        var (options, store, record, requests) = await PlannedAheadAsync();
        Assert.Equal(2, requests.Count);
        var appended = (await fixture.Writer.WriteAsync([requests[0]]))[0];

        Assert.True(await new ScheduleStopper(store, fixture.Writer, MsOptions.Create(options), TimeProvider.System).StopAsync(record.Id, delete: true));

        // The slow materialiser goes on: its second append finds the stopper's, canceled; its commit finds the schedule
        // deleted.
        var late = (await fixture.Writer.WriteAsync([requests[1]]))[0];
        Assert.Equal(ScheduleOutcome.Repeated, late.Outcome);
        Assert.Equal(ScheduleStep.Stopped, await store.CommitAsync(record.Id, "its plan", record.ThroughText, 0, 0, []));
        Assert.Equal(MessageStatus.Canceled, await fixture.Store.StatusAsync(appended.Id));
        Assert.Equal(MessageStatus.Canceled, await fixture.Store.StatusAsync(late.Id));
    }
}
