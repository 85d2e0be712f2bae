using System.Collections.Immutable;
using EchoAtTime.Grains.Output;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Cluster;

[Collection(SlotClusterFixture.Name)]
public sealed class TimeSlotGrainTests(SlotClusterFixture fixture)
{
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(30);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string NewTag() => $"{Guid.NewGuid():N}:";

    private async Task<MessageId[]> ScheduleAsync(params ScheduleRequest[] requests)
    {
        var results = await fixture.Scheduler.ScheduleAsync(requests);
        return [.. results.Select(r => r.Id)];
    }

    private Task<IReadOnlyList<EchoLine>> WaitForTaggedAsync(string tag, int count) =>
        fixture.Sink.WaitForAsync(lines => CapturingSink.Tagged(lines, tag).Count >= count, PrintTimeout);

    [Fact]
    public async Task A_scheduled_message_prints_once_at_its_due_time_and_never_before()
    {
        var tag = NewTag();
        var due = NowMs + 1_500;
        var ids = await ScheduleAsync(new ScheduleRequest(due, tag + "hello"));

        Assert.Equal(due, ids[0].DueMs);
        var line = Assert.Single(CapturingSink.Tagged(await WaitForTaggedAsync(tag, 1), tag));
        Assert.Equal(ids[0], line.Id);
        Assert.True(line.PrintedAtMs >= due, $"printed {due - line.PrintedAtMs} ms early");
        Assert.False(line.Redelivered);
    }

    [Fact]
    public async Task Messages_due_at_the_same_millisecond_print_in_acceptance_order()
    {
        var tag = NewTag();
        var due = NowMs + 1_000;
        var batch = Enumerable.Range(0, 150).Select(i => new ScheduleRequest(due, $"{tag}{i:D3}")).ToArray();
        var first = await ScheduleAsync(batch[..100]);
        var second = await ScheduleAsync(batch[100..]);

        var printed = CapturingSink.Tagged(await WaitForTaggedAsync(tag, 150), tag);
        Assert.Equal(batch.Select(b => b.Message), printed.Select(l => l.Message));
        Assert.Equal(first.Concat(second), printed.Select(l => l.Id));
        Assert.All(printed, l => Assert.True(l.PrintedAtMs >= due));
    }

    [Fact]
    public async Task Messages_print_in_due_order_whatever_order_they_were_accepted_in()
    {
        var tag = NewTag();
        var start = NowMs + 1_000;
        var offsets = new[] { 900, 100, 500, 100, 0, 700, 300 };
        await ScheduleAsync(offsets.Select((o, i) => new ScheduleRequest(start + o, $"{tag}{i}")).ToArray());

        var printed = CapturingSink.Tagged(await WaitForTaggedAsync(tag, offsets.Length), tag);
        Assert.Equal(new[] { 4, 1, 3, 6, 2, 5, 0 }.Select(i => $"{tag}{i}"), printed.Select(l => l.Message));
    }

    [Fact]
    public async Task A_time_in_the_past_means_now()
    {
        var tag = NewTag();
        var before = NowMs;
        var ids = await ScheduleAsync(new ScheduleRequest(before - 3_600_000, tag + "late"));

        Assert.InRange(ids[0].DueMs, before, NowMs);
        var line = Assert.Single(CapturingSink.Tagged(await WaitForTaggedAsync(tag, 1), tag));
        Assert.True(line.PrintedAtMs >= ids[0].DueMs);
    }

    [Fact]
    public async Task A_printed_slot_is_deleted_from_redis_and_leaves_the_index_keeping_only_an_expiring_summary()
    {
        // An overdue slot: its minute is over, so it drains as soon as it has printed.
        var tag = NewTag();
        var slot = TimeSlot.Of(NowMs) - 700;
        var appended = await fixture.AppendRawAsync(slot, (1, tag + "x"), (2, tag + "y"));
        Assert.Equal(new[] { 0, 1 }, appended.Seqs);
        var keys = new RedisKeys(fixture.Options.KeyPrefix);
        var db = fixture.Multiplexer.GetDatabase();
        Assert.True(await db.KeyExistsAsync(keys.Messages(slot)));

        await WaitForTaggedAsync(tag, 2);
        await RedisServer.WaitUntilAsync(
            async () => await db.SortedSetScoreAsync(keys.PendingSlots, slot) is null,
            TimeSpan.FromSeconds(10), "the drained slot did not leave the index");
        Assert.False(await db.KeyExistsAsync(keys.Messages(slot)));
        Assert.NotNull(await db.KeyTimeToLiveAsync(keys.Meta(slot)));
        Assert.True((await fixture.AppendRawAsync(slot, (3, tag + "too late"))).IsClosed);
    }

    [Fact]
    public async Task Overdue_slots_left_from_before_print_in_global_order_without_any_reminder_tick()
    {
        // What a cluster that was down for minutes finds: three past slots, each accepted out of due order.
        var tag = NewTag();
        var nowSlot = TimeSlot.Of(NowMs);
        var expected = new List<(long Due, string Message)>();
        // Slots far apart from other tests' past slots: a printing slot closes the minute before it.
        foreach (var slot in new[] { nowSlot - 302, nowSlot - 304, nowSlot - 303 })
        {
            var offsets = new[] { 30_000, 10_000, 30_000, 5 };
            var appended = await fixture.AppendRawAsync(slot, offsets.Select((o, i) => (o, $"{tag}{slot}:{i}")).ToArray());
            Assert.Equal(offsets.Length, appended.Seqs.Length);
            expected.AddRange(offsets.Select((o, i) => (TimeSlot.StartMs(slot) + o, $"{tag}{slot}:{i}")));
        }

        var printed = CapturingSink.Tagged(await WaitForTaggedAsync(tag, expected.Count), tag);
        Assert.Equal(
            expected.OrderBy(e => e.Due).ThenBy(e => int.Parse(e.Message.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture)).Select(e => e.Message),
            printed.Select(l => l.Message));
        Assert.All(printed, l => Assert.False(l.Redelivered));
    }

    [Fact]
    public async Task Messages_pending_when_every_silo_stops_print_once_after_the_cluster_starts_again()
    {
        var tag = NewTag();
        var due = NowMs + 1_000;
        var ids = await ScheduleAsync(
            new ScheduleRequest(due, tag + "a"),
            new ScheduleRequest(due, tag + "b"),
            new ScheduleRequest(due + 2_500, tag + "c"));

        await fixture.RestartAllSilosAsync(async () =>
        {
            // The scenario itself: the cluster stays down past the due times.
            var downUntil = due + 3_000;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, downUntil - NowMs)));
        });

        var printed = CapturingSink.Tagged(await WaitForTaggedAsync(tag, 3), tag);
        Assert.Equal(ids, printed.Select(l => l.Id));
        Assert.All(printed, l => Assert.True(l.PrintedAtMs >= l.Id.DueMs));
        Assert.All(printed, l => Assert.False(l.Redelivered));
    }

    [Fact]
    public async Task A_batch_declared_by_a_printer_that_died_prints_again_flagged_and_the_rest_prints_once()
    {
        // What a silo killed mid-batch leaves: messages 0-2 declared as printing, nothing confirmed.
        var tag = NewTag();
        var slot = TimeSlot.Of(NowMs) - 500;
        var appended = await fixture.AppendRawAsync(slot, Enumerable.Range(0, 6).Select(i => (100 + i, $"{tag}{i}")).ToArray());
        Assert.Equal(6, appended.Seqs.Length);
        Assert.NotNull(await fixture.Store.CommitAsync(slot, 0, SlotCursor.None, 0, SlotCursor.Of(102, 2), 6));

        var printed = CapturingSink.Tagged(await WaitForTaggedAsync(tag, 6), tag);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"{tag}{i}"), printed.Select(l => l.Message));
        Assert.Equal(new[] { true, true, true, false, false, false }, printed.Select(l => l.Redelivered));
    }

    [Fact]
    public async Task A_console_failure_mid_batch_loses_nothing_the_batch_prints_again_flagged()
    {
        var tag = NewTag();
        var due = NowMs + 500;
        fixture.Sink.FailWrites(tag, times: 1);
        await ScheduleAsync(Enumerable.Range(0, 4).Select(i => new ScheduleRequest(due, $"{tag}{i}")).ToArray());

        // Half the batch reached the console before it failed; then the whole batch again, flagged.
        var printed = CapturingSink.Tagged(await WaitForTaggedAsync(tag, 6), tag);
        Assert.Equal(new[] { 0, 1, 0, 1, 2, 3 }.Select(i => $"{tag}{i}"), printed.Select(l => l.Message));
        Assert.All(printed[2..], l => Assert.True(l.Redelivered));
    }

    [Fact]
    public async Task A_canceled_message_never_prints_and_its_neighbours_do()
    {
        var tag = NewTag();
        var due = NowMs + 1_500;
        var ids = await ScheduleAsync(
            new ScheduleRequest(due, tag + "keep 1"),
            new ScheduleRequest(due, tag + "cancel"),
            new ScheduleRequest(due + 1, tag + "keep 2"));
        var api = fixture.Scheduler;

        Assert.Equal(CancelOutcome.Canceled, await api.CancelAsync(ids[1]));
        Assert.Equal(MessageStatus.Canceled, await api.GetStatusAsync(ids[1]));
        var printed = CapturingSink.Tagged(await WaitForTaggedAsync(tag, 2), tag);

        Assert.Equal(new[] { tag + "keep 1", tag + "keep 2" }, printed.Select(l => l.Message));
        Assert.Equal(MessageStatus.Printed, await api.GetStatusAsync(ids[2]));
        Assert.Equal(CancelOutcome.AlreadyPrinted, await api.CancelAsync(ids[0]));
    }

    [Fact]
    public async Task A_minute_printing_a_backlog_lets_new_messages_for_it_in_between_print_turns()
    {
        // 40 batches due at once, a console that stalls on the first, and print turns of one batch:
        // a request for the same minute must be answered while the backlog is still printing, not after it.
        var tag = NewTag();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = fixture.Sink.HoldNextWrite(tag, release.Task);
        var turn = fixture.Options.PrintTurn;
        fixture.Options.PrintTurn = TimeSpan.Zero;
        try
        {
            var backlog = Enumerable.Range(0, fixture.Options.BatchSize * 40).Select(i => new ScheduleRequest(0, $"{tag}{i:D5}")).ToArray();
            var ids = await ScheduleAsync(backlog);
            await held.WaitAsync(PrintTimeout);

            var joining = fixture.Scheduler.ScheduleAsync([new ScheduleRequest(0, tag + "joiner")]);
            release.SetResult();
            var joined = await joining.WaitAsync(PrintTimeout);
            var printedWhenAnswered = CapturingSink.Tagged(fixture.Sink.Lines, tag).Count;

            Assert.Equal(ScheduleOutcome.Accepted, joined[0].Outcome);
            Assert.True(printedWhenAnswered < backlog.Length, $"the request waited for the whole backlog ({printedWhenAnswered} printed)");
            var printed = CapturingSink.Tagged(await WaitForTaggedAsync(tag, backlog.Length + 1), tag);
            Assert.Equal(backlog.Select(b => b.Message).Append(tag + "joiner"), printed.Select(l => l.Message));
            Assert.All(printed, l => Assert.False(l.Redelivered));
        }
        finally
        {
            fixture.Options.PrintTurn = turn;
            release.TrySetResult();
        }
    }
}
