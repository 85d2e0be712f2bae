using EchoAtTime.Storage;

namespace EchoAtTime.Tests.Unit;

public sealed class SlotEncodingTests
{
    [Theory]
    [InlineData(0, "hello")]
    [InlineData(59_999, "a|b|c")]
    [InlineData(17, "")]
    [InlineData(5, "line\nbreak \u001b[31m ünïcødé 😀")]
    public void Element_round_trips_offset_and_message(int offset, string message)
    {
        var (o, m) = SlotElement.Decode(SlotElement.Encode(offset, message));
        Assert.Equal(offset, o);
        Assert.Equal(message, m);
    }

    [Theory]
    [InlineData("7+60000|a|b", 7, 60_000, "a|b")]
    [InlineData("7+60000:0badcafe|text", 7, 60_000, "text")]
    [InlineData("7:0badcafe|text", 7, 0, "text")]
    [InlineData("59999|+1", 59_999, 0, "+1")]
    public void An_element_carries_its_expireAfter_between_offset_and_epoch_and_reads_without_either(string element, int offset, long expireAfter, string message)
    {
        Assert.Equal(new SlotEntry(offset, message, expireAfter), SlotElement.Read(element));
    }

    [Fact]
    public void The_expireAfter_is_written_only_when_there_is_one()
    {
        Assert.Equal("7+60000|a|b", (string?)SlotElement.Encode(7, "a|b", 60_000));
        Assert.Equal("7|a|b", (string?)SlotElement.Encode(7, "a|b"));
    }

    [Theory]
    [InlineData("7+|a")]
    [InlineData("7+0|a")]
    [InlineData("+5|a")]
    [InlineData("7+x|a")]
    public void An_element_with_a_malformed_expireAfter_is_refused(string element) =>
        Assert.Throws<FormatException>(() => SlotElement.Read(element));

    [Fact]
    public void A_batch_receipt_names_its_last_message_when_it_printed_and_its_last_redelivered_one()
    {
        Assert.Equal("120.4@15", BatchReceipt.Of(60_000, 60_135, 120, 4, null));
        Assert.Equal("120.4@15!118.2", BatchReceipt.Of(60_000, 60_135, 120, 4, (118, 2)));
    }

    [Fact]
    public void Stored_receipts_are_relative_to_the_one_before_and_a_message_takes_the_first_batch_ending_at_or_after_it()
    {
        // Batches ending at (120, 4) printed 15 ms late, at (125, 2) 3 ms late with (121, 5) redelivered, at (125, 9)
        // on time.
        const string receipts = "120.4@15,5.-2@3!4.-3,0.7@0";
        Assert.Equal((135L, false), BatchReceipt.Find(receipts, 100, 0));
        Assert.Equal((135L, false), BatchReceipt.Find(receipts, 120, 4));
        Assert.Equal((128L, true), BatchReceipt.Find(receipts, 121, 5));
        Assert.Equal((128L, false), BatchReceipt.Find(receipts, 125, 1));
        Assert.Equal((125L, false), BatchReceipt.Find(receipts, 125, 9));
        Assert.Null(BatchReceipt.Find(receipts, 125, 10));
        Assert.Null(BatchReceipt.Find(null, 1, 0));
    }

    [Fact]
    public void Cursor_orders_by_due_offset_then_sequence()
    {
        Assert.True(SlotCursor.Of(10, 5) < SlotCursor.Of(10, 6));
        Assert.True(SlotCursor.Of(10, int.MaxValue) < SlotCursor.Of(11, 0));
        Assert.True(SlotCursor.None < SlotCursor.Of(0, 0));
        Assert.Equal(59_999, SlotCursor.OffsetOf(SlotCursor.Of(59_999, 123)));
    }
}
