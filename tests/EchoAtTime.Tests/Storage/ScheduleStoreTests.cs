using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The schedule scripts on a real store: a create stored once, the claim's lease, the plan's compare-and-set, a commit
/// that keeps the outstanding list bounded, and a pause or delete that hands back everything left to cancel.
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class ScheduleStoreTests(RedisFixture redis)
{
    private const long Now = 1_800_000_000_000;
    private static readonly string Prefix = $"t{Guid.NewGuid():N}:";
    private readonly ScheduleStore _store = new(redis.Multiplexer, Options.Create(new EchoOptions { KeyPrefix = Prefix }));

    private static string NewId() => FormattableString.Invariant($"{Now:x11}{Random.Shared.Next():x8}");

    private static ScheduleRecord Record(string id, string message = "tick") =>
        new(id, "*/2 * * * * *", "Europe/Berlin", message, "catchUp", 0, Now, "", "", "0", [], null, false, false);

    private static ScheduledOccurrence Occurrence(long dueMs, int seq) => new(dueMs, new MessageId(dueMs, seq, "3f9c07a2"));

    [Fact]
    public async Task A_schedule_is_created_once_a_repeat_of_the_same_request_finds_it_and_another_request_conflicts()
    {
        var id = NewId();

        Assert.Equal(ScheduleCreation.Created, await _store.CreateAsync(Record(id), "fp", Now + 2_000));
        Assert.Equal(ScheduleCreation.Repeated, await _store.CreateAsync(Record(id, "other text ignored"), "fp", Now + 2_000));
        Assert.Equal(ScheduleCreation.Conflict, await _store.CreateAsync(Record(id), "another", Now + 2_000));

        var read = await _store.ReadAsync(id);
        Assert.NotNull(read);
        Assert.Equal(("tick", "Europe/Berlin", Now, "0"), (read.Message, read.TimeZone, read.ThroughMs, read.Generation));
        Assert.Contains(id, await _store.ListAsync(null, 1000));
    }

    [Fact]
    public async Task An_idempotency_key_holds_the_first_request_s_id_and_says_whether_a_later_request_is_the_same()
    {
        var key = $"key-{Guid.NewGuid():N}";
        var first = NewId();

        Assert.Equal((first, true), await _store.ReserveKeyAsync(key, "fp", first));
        Assert.Equal((first, true), await _store.ReserveKeyAsync(key, "fp", NewId()));
        Assert.Equal((first, false), await _store.ReserveKeyAsync(key, "other", NewId()));
    }

    [Fact]
    public async Task A_due_schedule_is_claimed_by_one_caller_until_its_lease_ends()
    {
        var id = NewId();
        await _store.CreateAsync(Record(id), "fp", 1_000);

        Assert.Contains(id, await _store.ClaimAsync(1_000, 30_000, 10_000));
        Assert.DoesNotContain(id, await _store.ClaimAsync(30_999, 30_000, 10_000));
        Assert.Contains(id, await _store.ClaimAsync(31_000, 30_000, 10_000));

        // Committed: its score is the next materialisation, and gone once it never fires again.
        await _store.RescoreAsync(id, 90_000);
        Assert.DoesNotContain(id, await _store.ClaimAsync(89_999, 30_000, 10_000));
        await _store.RescoreAsync(id, null);
        Assert.DoesNotContain(id, await _store.ClaimAsync(long.MaxValue / 2, 30_000, 10_000));
    }

    [Fact]
    public async Task A_plan_holds_only_against_the_schedule_as_read_and_a_second_claimant_s_plan_is_stale()
    {
        var id = NewId();
        await _store.CreateAsync(Record(id), "fp", Now);
        var read = (await _store.ReadAsync(id))!;
        PlannedOccurrence[] plan = [new(Now + 2_000, Now + 2_000), new(Now + 4_000, Now + 4_000)];

        Assert.Equal(ScheduleStep.Ok, await _store.PlanAsync(read, plan));
        Assert.Equal(ScheduleStep.Stale, await _store.PlanAsync(read, plan));

        var planned = (await _store.ReadAsync(id))!;
        Assert.Equal(plan, PlannedOccurrence.Parse(planned.Plan));
        Assert.Equal(ScheduleStep.Stale, await _store.CommitAsync(id, "another plan", read.ThroughText, Now + 4_000, Now, []));
        Assert.Equal(ScheduleStep.Ok, await _store.CommitAsync(id, planned.Plan, planned.ThroughText, Now + 10_000, Now, [Occurrence(Now + 2_000, 0), Occurrence(Now + 4_000, 1)]));

        Assert.Equal(ScheduleStep.Stale, await _store.CommitAsync(id, "", read.ThroughText, Now + 4_000, Now, []));
        var committed = (await _store.ReadAsync(id))!;
        Assert.Equal(("", Now + 10_000), (committed.Plan, committed.ThroughMs));
        Assert.Equal([Occurrence(Now + 2_000, 0), Occurrence(Now + 4_000, 1)], committed.Outstanding);
    }

    [Fact]
    public async Task A_commit_keeps_the_occurrences_due_from_the_bound_and_the_newest_one_before_it_as_the_last()
    {
        var id = NewId();
        await _store.CreateAsync(Record(id), "fp", Now);
        await _store.CommitAsync(id, "", FormattableString.Invariant($"{Now}"), Now + 4_000, 0, [Occurrence(Now + 2_000, 0), Occurrence(Now + 4_000, 1)]);

        await _store.CommitAsync(id, "", FormattableString.Invariant($"{Now + 4_000}"), Now + 8_000, Now + 3_000, [Occurrence(Now + 6_000, 2), Occurrence(Now + 8_000, 3)]);

        var read = (await _store.ReadAsync(id))!;
        Assert.Equal([Occurrence(Now + 4_000, 1), Occurrence(Now + 6_000, 2), Occurrence(Now + 8_000, 3)], read.Outstanding);
        Assert.Equal(Occurrence(Now + 2_000, 0), read.LastDropped);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_pause_or_delete_hands_back_what_was_materialised_and_the_plan_under_way_and_stops_every_later_plan_and_commit(bool delete)
    {
        var id = NewId();
        await _store.CreateAsync(Record(id), "fp", Now);
        await _store.CommitAsync(id, "", FormattableString.Invariant($"{Now}"), Now + 2_000, 0, [Occurrence(Now + 2_000, 0)]);
        var read = (await _store.ReadAsync(id))!;
        PlannedOccurrence[] plan = [new(Now + 4_000, Now + 4_000)];
        await _store.PlanAsync(read, plan);

        var stopped = await _store.StopAsync(id, delete);

        Assert.NotNull(stopped);
        Assert.Equal("", stopped.Before);
        Assert.Equal([Occurrence(Now + 2_000, 0)], stopped.Outstanding);
        Assert.Equal(plan, stopped.Plan);
        Assert.Equal(ScheduleStep.Stopped, await _store.CommitAsync(id, PlannedOccurrence.Format(plan), read.ThroughText, Now + 4_000, 0, [Occurrence(Now + 4_000, 1)]));
        Assert.Equal(ScheduleStep.Stopped, await _store.PlanAsync((await _store.ReadAsync(id))!, plan));
        Assert.Equal(delete ? "d" : "p", (await _store.StopAsync(id, delete))!.Before);
        if (delete)
        {
            Assert.Null(await _store.StopAsync(id, delete: false));
            Assert.Equal(ScheduleStep.Stopped, await _store.ResumeAsync(id, Now));
        }
    }

    [Fact]
    public async Task A_resume_starts_from_now_with_the_next_generation_of_occurrence_keys()
    {
        var id = NewId();
        await _store.CreateAsync(Record(id), "fp", Now);
        await _store.CommitAsync(id, "", FormattableString.Invariant($"{Now}"), Now + 2_000, 0, [Occurrence(Now + 2_000, 0)]);
        await _store.StopAsync(id, delete: false);

        Assert.Equal(ScheduleStep.Ok, await _store.ResumeAsync(id, Now + 60_000));

        var read = (await _store.ReadAsync(id))!;
        Assert.Equal((false, Now + 60_000, "1", 0), (read.Paused, read.ThroughMs, read.Generation, read.Outstanding.Count));
        Assert.Equal(ScheduleStep.Gone, await _store.ResumeAsync(NewId(), Now));
    }

    [Fact]
    public async Task The_listing_pages_in_id_order_from_the_cursor()
    {
        var ids = Enumerable.Range(0, 5).Select(_ => NewId()).Order(StringComparer.Ordinal).ToList();
        foreach (var id in ids)
        {
            await _store.CreateAsync(Record(id), "fp", Now);
        }

        var mine = (await _store.ListAsync(null, 10_000)).Where(ids.Contains).ToList();
        Assert.Equal(ids, mine);
        var after = await _store.ListAsync(ids[1], 10_000);
        Assert.DoesNotContain(ids[1], after);
        Assert.Equal(ids[2..], after.Where(ids.Contains));

        await _store.ForgetAsync(ids[3]);
        Assert.DoesNotContain(ids[3], await _store.ListAsync(null, 10_000));
    }
}
