using System.Globalization;
using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// The encoding of one message as a list element: <c>{offset ms within the slot}|{text}</c>.
/// The sequence is the element's index and the slot is the key, so neither is stored:
/// a 32-character message costs about 40 bytes of list payload.
/// </summary>
public static class SlotElement
{
    public static RedisValue Encode(int offsetMs, string message) =>
        string.Create(CultureInfo.InvariantCulture, $"{offsetMs}|{message}");

    public static (int OffsetMs, string Message) Decode(RedisValue element)
    {
        var text = (string?)element ?? throw new FormatException("Empty slot element.");
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        if (bar <= 0 || !int.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            throw new FormatException("Slot element without an offset.");
        }

        return (offset, text[(bar + 1)..]);
    }
}
