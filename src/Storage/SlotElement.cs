using System.Globalization;
using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// The encoding of one message as a list element: <c>{offset ms within the slot}|{text}</c>.
/// The sequence is the element's index and the slot is the key, so neither is stored:
/// a 32-character message costs about 40 bytes of list payload. The append script writes a
/// minute's first element as <c>{offset}:{store epoch}|{text}</c>: the minute's epoch record
/// while it has no meta hash (<see cref="SlotScripts.EpochRecord"/>).
/// </summary>
public static class SlotElement
{
    public static RedisValue Encode(int offsetMs, string message) =>
        string.Create(CultureInfo.InvariantCulture, $"{offsetMs}|{message}");

    public static (int OffsetMs, string Message) Decode(RedisValue element)
    {
        var text = (string?)element ?? throw new FormatException("Empty slot element.");
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        var end = bar < 0 ? -1 : text.AsSpan(0, bar).IndexOf(':');
        if (bar <= 0 || end == 0 || !int.TryParse(text.AsSpan(0, end < 0 ? bar : end), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            throw new FormatException("Slot element without an offset.");
        }

        return (offset, text[(bar + 1)..]);
    }
}
