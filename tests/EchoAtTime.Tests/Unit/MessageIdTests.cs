namespace EchoAtTime.Tests.Unit;

public sealed class MessageIdTests
{
    [Fact]
    public void Id_round_trips_through_its_text_form()
    {
        var id = new MessageId(1795428000123, 42);
        Assert.Equal("1795428000123-42", id.ToString());
        Assert.True(MessageId.TryParse(id.ToString(), out var parsed));
        Assert.Equal(id, parsed);
    }

    [Fact]
    public void Id_names_its_slot_so_lookups_route_without_an_index()
    {
        var id = new MessageId(1795428059999, 0);
        Assert.Equal(1795428059999 / 60000, id.Slot);
        Assert.Equal(new MessageId(1795428060000, 0).Slot, id.Slot + 1);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1795428000123")]
    [InlineData("1795428000123-")]
    [InlineData("-1795428000123-1")]
    [InlineData("1795428000123--1")]
    [InlineData("1795428000123-1-2")]
    [InlineData("1795428000123-99999999999")]
    [InlineData("99999999999999999-1")]
    [InlineData("1795428000123-+1")]
    [InlineData(" 1795428000123-1")]
    public void Malformed_ids_do_not_parse(string? text)
    {
        Assert.False(MessageId.TryParse(text, out _));
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(59_999, 0, 59_999)]
    [InlineData(60_000, 1, 0)]
    [InlineData(1795428000123, 29923800, 123)]
    [InlineData(-1, -1, 59_999)]
    public void Slot_math_splits_a_due_time_into_minute_and_offset(long dueMs, long slot, int offset)
    {
        Assert.Equal(slot, TimeSlot.Of(dueMs));
        Assert.Equal(offset, TimeSlot.OffsetMs(dueMs));
        Assert.Equal(dueMs, TimeSlot.StartMs(slot) + offset);
        Assert.Equal(TimeSlot.StartMs(slot + 1), TimeSlot.EndMs(slot));
    }
}
