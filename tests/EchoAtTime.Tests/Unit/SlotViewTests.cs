using EchoAtTime.Grains.Slots;
using EchoAtTime.Storage;

namespace EchoAtTime.Tests.Unit;

public sealed class SlotViewTests
{
    private const long Start = 1_795_428_000_000;

    private static List<PendingMessage> Batch(SlotView view, long nowMs, int max = 100)
    {
        var batch = new List<PendingMessage>();
        view.NextBatch(nowMs, max, batch);
        return batch;
    }

    [Fact]
    public void A_loaded_minute_counts_what_is_printed_skips_canceled_and_flags_a_declared_unconfirmed_batch()
    {
        var view = new SlotView(Start);
        var redelivered = view.Load(
            version: 4,
            printedCursor: SlotCursor.Of(10, 0),
            printingCursor: SlotCursor.Of(20, 1),
            elements: [(10, "printed"), (20, "in doubt"), (30, "canceled"), (40, "pending")],
            canceled: [2]);

        Assert.Equal((1, 0), redelivered);
        Assert.Equal(1, view.PrintedCount);
        Assert.Equal(4, view.LoadedCount);
        Assert.Equal(4, view.Version);
        Assert.Equal(SlotCursor.Of(20, 1), view.FloorCursor);
        var batch = Batch(view, Start + 60_000);
        Assert.Equal(new[] { "in doubt", "pending" }, batch.Select(m => m.Message));
        Assert.Equal(new[] { true, false }, batch.Select(m => m.Redelivered));
    }

    [Fact]
    public void A_load_after_commits_may_have_been_lost_flags_what_an_earlier_epoch_stored_due_before_the_restart_and_nothing_else()
    {
        var view = new SlotView(Start);
        view.SetEpochs("0:aaaaaaaa,4:bbbbbbbb");
        var redelivered = view.Load(
            version: 2,
            printedCursor: SlotCursor.Of(10, 0),
            printingCursor: SlotCursor.Of(10, 0),
            elements: [(10, "printed"), (20, "due"), (30, "due too"), (40, "due after the restart"), (15, "stored after the restart")],
            canceled: [],
            lostCommits: new LostCommitWindow("bbbbbbbb", Start + 30));

        Assert.Equal((2, 2), redelivered);
        var batch = Batch(view, Start + 60_000);
        Assert.Equal(new[] { "stored after the restart", "due", "due too", "due after the restart" }, batch.Select(m => m.Message));
        Assert.Equal(new[] { false, true, true, false }, batch.Select(m => m.Redelivered));
    }

    [Fact]
    public void A_message_is_expired_only_past_its_deadline_never_when_redelivered_and_an_expired_one_stays_done_after_a_reload()
    {
        var view = new SlotView(Start);
        view.Load(1, SlotCursor.None, SlotCursor.Of(10, 0),
            elements: [new SlotEntry(10, "in doubt", 5), new SlotEntry(20, "deadline", 1_000), new SlotEntry(30, "none")],
            canceled: []);
        var batch = Batch(view, Start + 1_020);
        Assert.Equal(new[] { false, false, false }, batch.Select(m => m.IsExpiredAt(Start, Start + 1_020)));
        Assert.Equal(new[] { false, true, false }, batch.Select(m => m.IsExpiredAt(Start, Start + 1_021)));

        var expired = view.Expired([batch[1]]);
        Assert.Equal(new[] { "deadline" }, expired.Select(m => m.Message));
        Assert.Equal(new[] { "in doubt", "none" }, Batch(view, Start + 60_000).Select(m => m.Message));
        Assert.Equal(1, view.CanceledCount);

        // The store holds it as -1 - seq in the canceled set: a reload skips it.
        view.Load(2, SlotCursor.None, SlotCursor.None, [(10, "a"), (20, "deadline"), (30, "c")], [SlotView.ExpiredMember(1)]);
        Assert.Equal(new[] { "a", "c" }, Batch(view, Start + 60_000).Select(m => m.Message));
    }

    [Fact]
    public void A_batch_holds_only_what_is_due_in_due_then_acceptance_order_up_to_its_size()
    {
        var view = new SlotView(Start);
        view.Load(0, SlotCursor.None, SlotCursor.None, [], []);
        view.MergeUnseen([(500, "late"), (100, "first"), (100, "second"), (200, "third")], []);

        Assert.Empty(Batch(view, Start + 99));
        Assert.Equal(new[] { "first", "second", "third" }, Batch(view, Start + 200).Select(m => m.Message));
        Assert.Equal(new[] { "first", "second" }, Batch(view, Start + 200, max: 2).Select(m => m.Message));
        Assert.Equal(Start + 100, view.NextWakeMs);
    }

    [Fact]
    public void A_merge_takes_in_the_tail_beyond_what_was_loaded_and_reports_the_new_sequences()
    {
        var view = new SlotView(Start);
        view.Load(0, SlotCursor.None, SlotCursor.None, [(0, "a")], [2]);

        var added = view.MergeUnseen([(100, "theirs"), (300, "canceled before it was seen"), (50, "early")], []);

        Assert.Equal(new[] { 1, 3 }, added);
        Assert.Equal(4, view.LoadedCount);
        Assert.Equal(new[] { "a", "early", "theirs" }, Batch(view, Start + 1_000).Select(m => m.Message));
    }

    [Fact]
    public void Canceled_messages_leave_the_view_whether_loaded_canceled_or_learnt_from_a_commit()
    {
        var view = new SlotView(Start);
        view.Load(0, SlotCursor.None, SlotCursor.None, [(1, "x"), (2, "y"), (3, "z")], [0]);
        view.MergeUnseen([(4, "w")], [1, 3]);

        Assert.Equal(new[] { "z" }, Batch(view, Start + 1_000).Select(m => m.Message));
        Assert.Equal(3, view.CanceledCount);
    }

    [Fact]
    public void Printing_moves_the_printed_cursor_and_a_declaration_moves_the_floor_new_messages_must_sort_after()
    {
        var view = new SlotView(Start);
        view.Load(2, SlotCursor.None, SlotCursor.None, [(100, "a"), (900, "b")], []);
        var batch = Batch(view, Start + 500);
        var cursor = batch[^1].Cursor;

        view.Committed(cursor);
        view.Printed(batch, cursor);

        Assert.Equal(3, view.Version);
        Assert.Equal(cursor, view.PrintedCursor);
        Assert.Equal(1, view.PrintedCount);
        Assert.Equal(Start + 100, view.FloorMs(Start + 50));
        Assert.Equal(Start + 700, view.FloorMs(Start + 700));
        Assert.Equal(Start + 900, view.NextWakeMs);
        view.Committed(null);
        Assert.Equal(4, view.Version);
        Assert.Equal(cursor, view.FloorCursor);
    }

    [Fact]
    public void An_empty_view_wakes_at_the_end_of_its_minute_to_drain()
    {
        var view = new SlotView(Start);
        view.Load(0, SlotCursor.None, SlotCursor.None, [], []);

        Assert.False(view.HasDue(Start + 59_999));
        Assert.Null(view.NextDueMs);
        Assert.Equal(Start + 60_000, view.NextWakeMs);
    }
}
