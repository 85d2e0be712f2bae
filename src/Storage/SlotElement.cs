using System.Globalization;
using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// The encoding of one message as a list element: <c>{offset ms within the slot}|{text}</c>, or
/// <c>{offset}+{expireAfter ms}|{text}</c> for a message with a deadline. The sequence is the
/// element's index and the slot is the key, so neither is stored: a 32-character message costs
/// about 40 bytes of list payload. The append script marks a minute's first element with the store
/// epoch before the bar (<c>{offset}[+{expireAfter}]:{epoch}|{text}</c>): the minute's epoch record
/// while it has no meta hash (<c>Scripts/includes/epochRecord.lua</c>).
/// </summary>
public static class SlotElement
{
    public static RedisValue Encode(int offsetMs, string message, long expireAfterMs = 0) => expireAfterMs > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{offsetMs}+{expireAfterMs}|{message}")
        : string.Create(CultureInfo.InvariantCulture, $"{offsetMs}|{message}");

    public static (int OffsetMs, string Message) Decode(RedisValue element)
    {
        var entry = Read(element);
        return (entry.OffsetMs, entry.Message);
    }

    public static SlotEntry Read(RedisValue element)
    {
        var text = (string?)element ?? throw new FormatException("Empty slot element.");
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        var head = bar < 0 ? default : text.AsSpan(0, bar);
        var colon = head.IndexOf(':');
        if (colon >= 0)
        {
            head = head[..colon];
        }

        var plus = head.IndexOf('+');
        long expireAfter = 0;
        if (bar <= 0
            || !int.TryParse(plus < 0 ? head : head[..plus], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || (plus >= 0 && (!long.TryParse(head[(plus + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out expireAfter) || expireAfter <= 0)))
        {
            throw new FormatException("Slot element without an offset.");
        }

        return new SlotEntry(offset, text[(bar + 1)..], expireAfter);
    }
}

/// <summary>One decoded list element; <see cref="ExpireAfterMs"/> 0 = no deadline (prints however late).</summary>
public readonly record struct SlotEntry(int OffsetMs, string Message, long ExpireAfterMs = 0)
{
    public static implicit operator SlotEntry((int OffsetMs, string Message) element) => new(element.OffsetMs, element.Message);
}
