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
        var results = await fixture.Writer.WriteAsync(requests);
        return [.. results.Select(r => r.Id)];
    }

    // Leads no slow first call on a loaded machine eats; the exact-time checks still hold when one does.
    private const long LeadMs = 3_000;

    private Task<IReadOnlyList<EchoLine>> WaitForTaggedAsync(string tag, int count) =>
        fixture.Sink.WaitForAsync(lines => CapturingSink.Tagged(lines, tag).Count >= count, PrintTimeout);

    /// <summary>
    /// A marker with a tag of its own, due a second after <paramref name="afterMs"/> or after now, whichever
    /// is later: after every message under test, and not in a batch of theirs (a batch printed twice in a row
    /// would print its copy after a marker it carried).
    /// </summary>
    /// <summary>
    /// A marker in the minute after an overdue <paramref name="slot"/>, written as the slot was: a minute no activation
    /// has cleared the order of, so it prints only once the slot has drained. A marker due now would go to the current
    /// minute, whose activation may have cleared its order for an earlier test and never looks back (seen once in CI).
    /// </summary>
    private async Task<string> AppendMarkerAfterAsync(long slot)
    {
        var marker = NewTag() + "marker";
        await fixture.AppendRawAsync(slot + 1, (0, marker));
        return marker;
    }

    private async Task<string> ScheduleMarkerAsync(long afterMs)
    {
        var marker = NewTag() + "marker";
        await ScheduleAsync(new ScheduleRequest(Math.Max(afterMs, NowMs) + 1_000, marker));
        return marker;
    }

    /// <summary>
    /// The lines tagged <paramref name="tag"/> once <paramref name="marker"/> has printed: due after them,
    /// it prints after them, so by then each had its chance to print twice.
    /// </summary>
    private async Task<List<EchoLine>> TaggedThroughMarkerAsync(string tag, string marker) =>
        CapturingSink.Tagged(await fixture.Sink.WaitForAsync(lines => lines.Any(l => l.Message == marker), PrintTimeout), tag);

    /// <summary>
    /// The due time the service answered for a time asked at <paramref name="askedAtMs"/>: the one asked if it was
    /// still ahead when the answer came, else now at some point in between.
    /// </summary>
    private static void AssertAnsweredDue(long askedDueMs, long askedAtMs, long answeredAtMs, long answeredDueMs)
    {
        if (answeredAtMs < askedDueMs)
        {
            Assert.Equal(askedDueMs, answeredDueMs);
        }
        else
        {
            Assert.InRange(answeredDueMs, askedAtMs, askedDueMs);
        }
    }

    [Fact]
    public async Task A_scheduled_message_prints_once_at_its_due_time_and_never_before()
    {
        var tag = NewTag();
        var askedAt = NowMs;
        var due = askedAt + LeadMs;
        var ids = await ScheduleAsync(new ScheduleRequest(due, tag + "hello"));
        AssertAnsweredDue(due, askedAt, NowMs, ids[0].DueMs);
        var marker = await ScheduleMarkerAsync(ids[0].DueMs);

        var line = Assert.Single(await TaggedThroughMarkerAsync(tag, marker));
        Assert.Equal(ids[0], line.Id);
        Assert.True(line.PrintedAtMs >= ids[0].DueMs, $"printed {ids[0].DueMs - line.PrintedAtMs} ms early");
        Assert.True(fixture.Sink.ReceivedMs(line) >= ids[0].DueMs, $"reached the console {ids[0].DueMs - fixture.Sink.ReceivedMs(line)} ms early");
        Assert.False(line.Redelivered);
    }

    [Fact]
    public async Task Messages_due_at_the_same_millisecond_print_in_acceptance_order()
    {
        var tag = NewTag();
        var due = NowMs + LeadMs;
        var batch = Enumerable.Range(0, 150).Select(i => new ScheduleRequest(due, $"{tag}{i:D3}")).ToArray();
        var first = await ScheduleAsync(batch[..100]);
        var second = await ScheduleAsync(batch[100..]);
        var marker = await ScheduleMarkerAsync(first.Concat(second).Max(id => id.DueMs));

        // Had the lead been eaten, the second call's due time is later than the first's: acceptance order still.
        var printed = await TaggedThroughMarkerAsync(tag, marker);
        Assert.Equal(batch.Select(b => b.Message), printed.Select(l => l.Message));
        Assert.Equal(first.Concat(second), printed.Select(l => l.Id));
        Assert.All(printed, l => Assert.True(l.PrintedAtMs >= l.Id.DueMs));
    }

    [Fact]
    public async Task Messages_print_in_due_order_whatever_order_they_were_accepted_in()
    {
        var tag = NewTag();
        var start = NowMs + LeadMs;
        var offsets = new[] { 900, 100, 500, 100, 0, 700, 300 };
        var ids = await ScheduleAsync(offsets.Select((o, i) => new ScheduleRequest(start + o, $"{tag}{i}")).ToArray());
        var marker = await ScheduleMarkerAsync(ids.Max(id => id.DueMs));

        // Due order of what the service answered (a late answer clamps to now), acceptance order within a millisecond.
        var expected = ids.Select((id, i) => (id.DueMs, i)).Order().Select(e => $"{tag}{e.i}").ToArray();
        var printed = await TaggedThroughMarkerAsync(tag, marker);
        Assert.Equal(expected, printed.Select(l => l.Message));
        Assert.Equal(ids.Select(id => id.DueMs).Order(), printed.Select(l => l.Id.DueMs));
    }

    [Fact]
    public async Task A_time_in_the_past_means_now()
    {
        var tag = NewTag();
        var before = NowMs;
        var ids = await ScheduleAsync(new ScheduleRequest(before - 3_600_000, tag + "late"));

        Assert.InRange(ids[0].DueMs, before, NowMs);
        var marker = await ScheduleMarkerAsync(ids[0].DueMs);
        var line = Assert.Single(await TaggedThroughMarkerAsync(tag, marker));
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
        await Conditions.WaitForAsync(
            async () => !await fixture.Store.IsIndexedAsync(slot),
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
        // All three written before the sweep sees any: else -302 may print and close -303 before it is written.
        var slots = new[] { nowSlot - 302, nowSlot - 304, nowSlot - 303 };
        await fixture.WriteUnsweptAsync(slots, async () =>
        {
            foreach (var slot in slots)
            {
                var offsets = new[] { 30_000, 10_000, 30_000, 5 };
                var appended = await fixture.AppendRawAsync(slot, offsets.Select((o, i) => (o, $"{tag}{slot}:{i}")).ToArray());
                Assert.Equal(offsets.Length, appended.Seqs.Length);
                expected.AddRange(offsets.Select((o, i) => (TimeSlot.StartMs(slot) + o, $"{tag}{slot}:{i}")));
            }
        });
        var marker = await ScheduleMarkerAsync(NowMs);

        var printed = await TaggedThroughMarkerAsync(tag, marker);
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
        var marker = await ScheduleMarkerAsync(NowMs);

        var printed = await TaggedThroughMarkerAsync(tag, marker);
        Assert.Equal(ids, printed.Select(l => l.Id));
        Assert.All(printed, l => Assert.True(l.PrintedAtMs >= l.Id.DueMs));
        Assert.All(printed, l => Assert.False(l.Redelivered));
    }

    [Fact]
    public async Task A_batch_declared_by_a_printer_that_died_prints_again_flagged_and_the_rest_prints_once()
    {
        // What a silo killed mid-batch leaves: messages 0-2 declared as printing, nothing confirmed.
        var tag = NewTag();
        // Append and commit reach the sweep at once: a sweep in between would print first and fence the commit.
        var slot = TimeSlot.Of(NowMs) - 500;
        var marker = "";
        await fixture.WriteUnsweptAsync([slot, slot + 1], async () =>
        {
            var appended = await fixture.AppendRawAsync(slot, Enumerable.Range(0, 6).Select(i => (100 + i, $"{tag}{i}")).ToArray());
            Assert.Equal(6, appended.Seqs.Length);
            Assert.NotNull(await fixture.Store.CommitAsync(slot, 0, SlotCursor.None, 0, SlotCursor.Of(102, 2), 6));
            marker = await AppendMarkerAfterAsync(slot);
        });

        var printed = await TaggedThroughMarkerAsync(tag, marker);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"{tag}{i}"), printed.Select(l => l.Message));
        Assert.Equal(new[] { true, true, true, false, false, false }, printed.Select(l => l.Redelivered));

        // The marker's later minute printed only once this one was drained, so every batch is
        // confirmed: each message's receipt is what its console line said.
        foreach (var line in printed)
        {
            Assert.Equal(new MessageRecord(MessageStatus.Printed, line.PrintedAtMs, line.Redelivered), await fixture.Store.LookupAsync(line.Id));
        }
    }

    [Fact]
    public async Task After_an_outage_a_message_past_its_expireAfter_is_marked_expired_not_printed_and_the_others_print_late_as_before()
    {
        // A minute 540 minutes overdue, as a cluster that was down that long finds it.
        var tag = NewTag();
        var slot = TimeSlot.Of(NowMs) - 540;
        var store = fixture.Store;
        var appended = await store.AppendAsync(slot, [
            SlotElement.Encode(100, tag + "expires after a minute", 60_000),
            SlotElement.Encode(101, tag + "no deadline"),
            SlotElement.Encode(102, tag + "expires after a day", 86_400_000)], 100);
        var marker = await AppendMarkerAfterAsync(slot);

        var printed = await TaggedThroughMarkerAsync(tag, marker);
        Assert.Equal(new[] { tag + "no deadline", tag + "expires after a day" }, printed.Select(l => l.Message));
        var expired = new MessageId(TimeSlot.StartMs(slot) + 100, appended.Seqs[0], appended.Epoch);
        Assert.Equal(new MessageRecord(MessageStatus.Expired), await store.LookupAsync(expired));
        Assert.Equal((CancelOutcome.Expired, false), await store.CancelAsync(expired));
    }

    [Fact]
    public async Task After_an_outage_with_a_store_restart_that_lost_nothing_an_expiring_message_expires_and_a_plain_one_prints_unflagged()
    {
        var tag = NewTag();
        MessageId expiring = default!;
        await fixture.RestartAllSilosAsync(async () =>
        {
            // Accepted before the outage, due after the store's restart; the restart loses nothing
            // (appendfsync always), and the cluster stays down past both due times and the deadline.
            var due = NowMs + 4_000;
            due += due % TimeSlot.LengthMs > TimeSlot.LengthMs - 100 ? 200 : 0;
            var slot = TimeSlot.Of(due);
            var offset = (int)(due - TimeSlot.StartMs(slot));
            var appended = await fixture.Store.AppendAsync(slot, [SlotElement.Encode(offset, tag + "expires", 200), SlotElement.Encode(offset + 10, tag + "plain")], offset);
            expiring = new MessageId(due, appended.Seqs[0], appended.Epoch);
            await fixture.Redis.KillAsync();
            await fixture.Redis.StartAsync();
            Assert.True(NowMs < due - 1_500, "The store took too long to restart: the messages must be due after it.");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, due + 1_500 - NowMs)));
        });
        var marker = await ScheduleMarkerAsync(NowMs);

        var printed = await TaggedThroughMarkerAsync(tag, marker);
        Assert.Equal(new[] { (tag + "plain", false) }, printed.Select(l => (l.Message, l.Redelivered)));
        Assert.Equal(new MessageRecord(MessageStatus.Expired), await fixture.Store.LookupAsync(expiring));
    }

    [Fact]
    public async Task A_console_failure_mid_batch_loses_nothing_the_batch_prints_again_flagged()
    {
        var tag = NewTag();
        var due = NowMs + 500;
        fixture.Sink.FailWrites(tag, times: 1);
        var ids = await ScheduleAsync(Enumerable.Range(0, 4).Select(i => new ScheduleRequest(due, $"{tag}{i}")).ToArray());
        var marker = await ScheduleMarkerAsync(ids.Max(id => id.DueMs));

        // Half the batch reached the console before it failed; then the whole batch again, flagged.
        var printed = await TaggedThroughMarkerAsync(tag, marker);
        Assert.Equal(new[] { 0, 1, 0, 1, 2, 3 }.Select(i => $"{tag}{i}"), printed.Select(l => l.Message));
        Assert.All(printed[2..], l => Assert.True(l.Redelivered));
    }

    [Fact]
    public async Task A_canceled_message_never_prints_and_its_neighbours_do()
    {
        var tag = NewTag();
        var due = NowMs + LeadMs;
        var ids = await ScheduleAsync(
            new ScheduleRequest(due, tag + "keep 1"),
            new ScheduleRequest(due, tag + "cancel"),
            new ScheduleRequest(due + 1, tag + "keep 2"));
        var marker = await ScheduleMarkerAsync(ids.Max(id => id.DueMs));
        var writer = fixture.Writer;

        Assert.Equal(CancelOutcome.Canceled, await writer.CancelAsync(ids[1]));
        Assert.Equal(MessageStatus.Canceled, await fixture.Store.StatusAsync(ids[1]));
        var printed = await TaggedThroughMarkerAsync(tag, marker);

        Assert.Equal(new[] { tag + "keep 1", tag + "keep 2" }, printed.Select(l => l.Message));
        Assert.Equal(MessageStatus.Printed, await fixture.Store.StatusAsync(ids[2]));
        Assert.Equal(CancelOutcome.AlreadyPrinted, await writer.CancelAsync(ids[0]));
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

            var joining = fixture.Writer.WriteAsync([new ScheduleRequest(0, tag + "joiner")]);
            release.SetResult();
            var joined = await joining.WaitAsync(PrintTimeout);
            var printedWhenAnswered = CapturingSink.Tagged(fixture.Sink.Lines, tag).Count;
            var marker = await ScheduleMarkerAsync(joined[0].Id.DueMs);

            Assert.Equal(ScheduleOutcome.Accepted, joined[0].Outcome);
            Assert.True(printedWhenAnswered < backlog.Length, $"the request waited for the whole backlog ({printedWhenAnswered} printed)");
            var printed = await TaggedThroughMarkerAsync(tag, marker);
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
