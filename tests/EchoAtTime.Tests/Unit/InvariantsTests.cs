namespace EchoAtTime.Tests.Unit;

/// <summary>The one definition of lost, repeated, early and out of order, on hand-made lines.</summary>
public sealed class InvariantsTests
{
    private const long T0 = 1_795_428_000_000;

    [Fact]
    public void Prints_in_due_then_sequence_order_across_processes_hold()
    {
        var report = Invariants.Check(
            [Line("silo-1#0", 100, 0, printed: 100), Line("silo-2#0", 100, 1, printed: 101), Line("silo-1#0", 200, 2, printed: 200)],
            [Key(100, 0), Key(100, 1), Key(200, 2)]);

        Assert.True(report.Holds, report.ToString());
        Assert.Equal((3, 3, 0L), (report.PrintedMessages, report.FirstPrints.Count, report.Lost));
    }

    [Fact]
    public void A_message_printed_a_millisecond_after_a_greater_key_on_another_process_is_one_order_break()
    {
        var report = Invariants.Check([Line("silo-1#0", 100, 1, printed: 150), Line("silo-2#0", 100, 0, printed: 151), Line("silo-1#0", 200, 2, printed: 200)]);

        Assert.Equal(1, report.OrderBreaks);
        Assert.False(report.Holds);
        Assert.Contains(report.Evidence, e => e.StartsWith("order break:", StringComparison.Ordinal) && e.Contains($"{T0 + 100}-0", StringComparison.Ordinal));
    }

    [Fact]
    public void Prints_of_two_processes_within_the_same_millisecond_are_not_ordered()
    {
        var report = Invariants.Check([Line("silo-1#0", 100, 1, printed: 150), Line("silo-2#0", 100, 0, printed: 150)]);

        Assert.Equal(0, report.OrderBreaks);
    }

    [Fact]
    public void One_process_writing_a_smaller_key_after_a_greater_one_in_the_same_millisecond_is_an_order_break()
    {
        var report = Invariants.Check([Line("silo-1#0", 100, 1, printed: 150), Line("silo-1#0", 100, 0, printed: 150)]);

        Assert.Equal(1, report.OrderBreaks);
        Assert.Contains(report.Evidence, e => e.Contains("in its own stdout", StringComparison.Ordinal));
    }

    [Fact]
    public void A_break_seen_both_across_processes_and_in_its_own_stdout_counts_once()
    {
        var report = Invariants.Check([Line("silo-1#0", 100, 1, printed: 150), Line("silo-1#0", 100, 0, printed: 151)]);

        Assert.Equal(1, report.OrderBreaks);
    }

    [Fact]
    public void Repeats_are_left_out_of_the_order_check()
    {
        var report = Invariants.Check(
            [Line("silo-1#0", 100, 0, printed: 100), Line("silo-1#0", 200, 1, printed: 200), Line("silo-2#0", 100, 0, printed: 2_000, redelivered: true)],
            crashed: new HashSet<string> { "silo-1#0" });

        Assert.Equal(0, report.OrderBreaks);
        Assert.Equal(1, report.FlaggedRepeats);
        Assert.True(report.Holds);
    }

    [Fact]
    public void A_flagged_repeat_after_a_crashed_printer_is_allowed_and_an_unflagged_one_is_not()
    {
        var crashed = new HashSet<string> { "silo-1#0" };
        var flagged = Invariants.Check([Line("silo-1#0", 100, 0, printed: 100), Line("silo-2#0", 100, 0, printed: 2_000, redelivered: true)], crashed: crashed);
        var unflagged = Invariants.Check([Line("silo-1#0", 100, 0, printed: 100), Line("silo-2#0", 100, 0, printed: 2_000)], crashed: crashed);

        Assert.True(flagged.Holds);
        Assert.Equal((1, 0, 0, 1), (flagged.FlaggedRepeats, flagged.UnflaggedRepeats, flagged.FlaggedRepeatsWithoutCrash, flagged.MaxRepeatsPerCrash));
        Assert.False(unflagged.Holds);
        Assert.Equal((0, 1), (unflagged.FlaggedRepeats, unflagged.UnflaggedRepeats));
    }

    [Fact]
    public void Repeats_after_one_crash_are_counted_by_the_batches_they_came_from_per_minute()
    {
        // silo-1#0 printed one batch at 100 (two messages) and another at 300 in minute 0, one at 60 100 in minute 1.
        var crashed = new HashSet<string> { "silo-1#0" };
        var oneBatch = Invariants.Check(
            [Line("silo-1#0", 100, 0, printed: 100), Line("silo-1#0", 100, 1, printed: 100), Line("silo-1#0", 60_100, 0, printed: 60_100),
             Line("silo-2#0", 100, 0, printed: 61_000, redelivered: true), Line("silo-2#0", 100, 1, printed: 61_000, redelivered: true),
             Line("silo-2#0", 60_100, 0, printed: 61_000, redelivered: true)],
            crashed: crashed);
        var twoBatches = Invariants.Check(
            [Line("silo-1#0", 100, 0, printed: 100), Line("silo-1#0", 300, 1, printed: 300),
             Line("silo-2#0", 100, 0, printed: 2_000, redelivered: true), Line("silo-2#0", 300, 1, printed: 2_000, redelivered: true)],
            crashed: crashed);

        Assert.Equal((3, 1), (oneBatch.MaxRepeatsPerCrash, oneBatch.MaxBatchesRepeatedPerCrash));
        Assert.Equal((2, 2), (twoBatches.MaxRepeatsPerCrash, twoBatches.MaxBatchesRepeatedPerCrash));
    }

    [Fact]
    public void A_flagged_repeat_with_no_crashed_printer_before_it_is_counted_as_such()
    {
        var report = Invariants.Check([Line("silo-1#0", 100, 0, printed: 100), Line("silo-2#0", 100, 0, printed: 2_000, redelivered: true)]);

        Assert.Equal((1, 1, 0), (report.FlaggedRepeats, report.FlaggedRepeatsWithoutCrash, report.MaxRepeatsPerCrash));
    }

    [Fact]
    public void An_unflagged_print_after_a_flagged_first_print_is_an_unflagged_repeat()
    {
        var report = Invariants.Check([Line("silo-2#0", 100, 0, printed: 100, redelivered: true), Line("silo-2#0", 100, 0, printed: 200)]);

        Assert.Equal((1, 1), (report.FlaggedFirstPrints, report.UnflaggedRepeats));
        Assert.False(report.Holds);
    }

    [Fact]
    public void Accepted_but_never_printed_is_lost_and_printed_before_due_is_early()
    {
        var report = Invariants.Check([Line("silo-1#0", 200, 1, printed: 199)], [Key(100, 0), Key(200, 1)]);

        Assert.Equal((1L, 1L), (report.Lost, report.Early));
        Assert.Equal([Key(100, 0)], report.LostKeys);
        Assert.Contains(report.Evidence, e => e.StartsWith($"lost: {T0 + 100}-0", StringComparison.Ordinal));
    }

    [Fact]
    public void A_line_received_before_its_due_time_is_early_by_receipt_even_when_the_silo_s_clock_says_it_was_on_time()
    {
        var report = Invariants.Check([Line("silo-1#0", 200, 1, printed: 200) with { ReceivedMs = T0 + 150 }]);

        Assert.Equal((0, 1), (report.Early, report.EarlyByReceipt));
        Assert.False(report.Holds);
    }

    [Fact]
    public void Printed_but_not_accepted_is_counted_and_allowed()
    {
        var report = Invariants.Check([Line("silo-1#0", 100, 0, printed: 100)], Array.Empty<MessageKey>());

        Assert.Equal(1, report.PrintedNotAccepted);
        Assert.True(report.Holds);
    }

    [Theory]
    [InlineData("1795428000100-0")]
    [InlineData("1795428000100-0a1b2c3d-7")]
    public void A_message_id_reads_back_exactly_as_the_product_wrote_it(string id)
    {
        Assert.Equal(id, MessageKey.Parse(id).ToString());
    }

    [Theory]
    [InlineData("1795428000100")]
    [InlineData("1795428000100-0A1B2C3D-7")]
    [InlineData("1795428000100-abc-7")]
    [InlineData("x-1")]
    public void A_text_that_is_not_a_message_id_does_not_parse(string text)
    {
        Assert.False(MessageKey.TryParse(text, out _));
    }

    private static MessageKey Key(long dueOffset, long seq) => new(T0 + dueOffset, seq);

    private static PrintedLine Line(string instance, long dueOffset, long seq, long printed, bool redelivered = false) =>
        new(instance, Key(dueOffset, seq), T0 + printed, $"m {dueOffset}/{seq}", redelivered);
}
