using EchoAtTime.Grains.Slots;
using EchoAtTime.Storage;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// What a view knew printed, against a store that lost the commits recording it: the same silo's console does not
/// print it again, and nothing it never printed is taken for printed.
/// </summary>
public sealed class PrintedHereTests
{
    private const long Start = 1_795_428_000_000;
    private const string Epoch = "0:aaaaaaaa";
    private static readonly SlotEntry[] ThreeDue = [(10, "a"), (20, "b"), (30, "c")];

    private static List<PendingMessage> Batch(SlotView view, long nowMs = Start + 60_000)
    {
        var batch = new List<PendingMessage>();
        view.NextBatch(nowMs, 100, batch);
        return batch;
    }

    /// <summary>Loads the three, then declares and prints the first <paramref name="count"/> as one batch.</summary>
    private static (SlotView View, long Printed) PrintFirst(int count, int[]? canceled = null)
    {
        var view = new SlotView(Start);
        view.Load(1, SlotCursor.None, SlotCursor.None, ThreeDue, canceled ?? [], epochs: Epoch);
        var batch = Batch(view).Take(count).ToList();
        var cursor = batch[^1].Cursor;
        view.Committed(cursor);
        view.Printed(batch, cursor);
        return (view, cursor);
    }

    [Fact]
    public void A_view_reloaded_after_its_confirmation_never_reached_the_store_skips_the_batch_it_printed()
    {
        var (view, printed) = PrintFirst(2);

        // The store holds the batch declared, never confirmed (the store died between the console and the commit).
        var flagged = view.Load(2, SlotCursor.None, printed, ThreeDue, [], epochs: Epoch);

        Assert.Equal((0, 0), flagged);
        Assert.Equal(2, view.PrintedCount);
        Assert.Equal(printed, view.PrintedCursor);
        Assert.Equal(new[] { "c" }, Batch(view).Select(m => m.Message));
    }

    [Fact]
    public void A_new_activation_on_the_silo_skips_what_the_last_one_printed_and_one_elsewhere_flags_it()
    {
        var (view, printed) = PrintFirst(2);
        var memory = new SlotPrintMemory();
        memory.Keep(7, view.PrintedHere()!);

        var here = new SlotView(Start);
        here.Load(3, SlotCursor.None, printed, ThreeDue, [], carried: memory.Recall(7), epochs: Epoch);
        var elsewhere = new SlotView(Start);
        var flaggedElsewhere = elsewhere.Load(3, SlotCursor.None, printed, ThreeDue, [], epochs: Epoch);

        Assert.Equal(new[] { "c" }, Batch(here).Select(m => m.Message));
        Assert.Equal((2, 0), flaggedElsewhere);
        Assert.Equal(new[] { "a", "b", "c" }, Batch(elsewhere).Select(m => m.Message));
        Assert.Null(memory.Recall(8));
    }

    [Fact]
    public void A_sequence_the_store_lost_and_handed_to_a_new_message_prints_though_its_old_message_printed_here()
    {
        var (view, _) = PrintFirst(3);

        // The store lost everything from sequence 1 on; what was appended since carries the new epoch.
        view.Load(1, SlotCursor.None, SlotCursor.None, [(10, "a"), (20, "new b"), (30, "new c")], [], epochs: "0:aaaaaaaa,1:bbbbbbbb");

        Assert.Equal(new[] { "new b", "new c" }, Batch(view).Select(m => m.Message));
        Assert.Equal(1, view.PrintedCount);
    }

    [Fact]
    public void A_message_whose_cancel_the_store_lost_prints_and_the_printed_cursor_passes_what_printed_here_above_it_only_then()
    {
        // "a" canceled, "b" printed here; the store lost the cancel and the commits.
        var (view, printed) = PrintFirst(1, canceled: [0]);
        Assert.Equal(SlotCursor.Of(20, 1), printed);

        view.Load(1, SlotCursor.None, SlotCursor.None, ThreeDue, [], epochs: Epoch);

        var batch = Batch(view);
        Assert.Equal(new[] { "a", "c" }, batch.Select(m => m.Message));
        Assert.Equal(SlotCursor.None, view.PrintedCursor);
        Assert.Equal(1, view.PrintedCount);
        Assert.Equal(SlotCursor.Of(20, 1), view.FloorCursor);

        // "a" printed: the cursor moves over "b" (printed here) up to "c", still pending.
        var first = batch.Take(1).ToList();
        view.Printed(first, first[0].Cursor);
        Assert.Equal(SlotCursor.Of(20, 1), view.PrintedCursor);
        Assert.Equal(2, view.PrintedCount);
    }

    [Fact]
    public void The_memory_keeps_the_latest_64_minutes()
    {
        var (view, _) = PrintFirst(1);
        var memory = new SlotPrintMemory();
        for (var slot = 0L; slot < 65; slot++)
        {
            memory.Keep(slot, view.PrintedHere()!);
        }

        Assert.Null(memory.Recall(0));
        Assert.NotNull(memory.Recall(1));
        Assert.NotNull(memory.Recall(64));
    }
}
