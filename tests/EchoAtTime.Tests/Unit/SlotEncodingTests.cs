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

    [Fact]
    public void Cursor_orders_by_due_offset_then_sequence()
    {
        Assert.True(SlotCursor.Of(10, 5) < SlotCursor.Of(10, 6));
        Assert.True(SlotCursor.Of(10, int.MaxValue) < SlotCursor.Of(11, 0));
        Assert.True(SlotCursor.None < SlotCursor.Of(0, 0));
        Assert.Equal(59_999, SlotCursor.OffsetOf(SlotCursor.Of(59_999, 123)));
    }
}
