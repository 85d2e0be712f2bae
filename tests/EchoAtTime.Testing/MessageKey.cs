using System.Buffers.Text;
using System.Globalization;

namespace EchoAtTime.Testing;

/// <summary>
/// A message id as the product hands it out and prints it, <c>{dueMs}-{epoch}-{seq}</c> (the epoch is
/// eight hex digits of the store incarnation), or <c>{dueMs}-{seq}</c> for minutes from before epochs,
/// kept as numbers: a million of them fit in 24 MB. Equality is the identity (all three parts); the
/// order the product promises is <see cref="CompareOrder"/>: due time, then acceptance sequence.
/// </summary>
/// <param name="Epoch">The epoch's value, or <see cref="NoEpoch"/>.</param>
public readonly record struct MessageKey(long DueMs, long Seq, long Epoch = MessageKey.NoEpoch) : IComparable<MessageKey>
{
    public const long NoEpoch = -1;

    /// <summary>The promised print order: due time, then acceptance sequence (the epoch does not order).</summary>
    public static int CompareOrder(MessageKey left, MessageKey right)
    {
        var byDue = left.DueMs.CompareTo(right.DueMs);
        return byDue != 0 ? byDue : left.Seq.CompareTo(right.Seq);
    }

    /// <summary>The print order, then the epoch, so that sorting is total and agrees with equality.</summary>
    public int CompareTo(MessageKey other)
    {
        var byOrder = CompareOrder(this, other);
        return byOrder != 0 ? byOrder : Epoch.CompareTo(other.Epoch);
    }

    public static bool operator <(MessageKey left, MessageKey right) => left.CompareTo(right) < 0;

    public static bool operator >(MessageKey left, MessageKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(MessageKey left, MessageKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(MessageKey left, MessageKey right) => left.CompareTo(right) >= 0;

    /// <summary>Parses the UTF-8 id straight from a response, without making a string of it.</summary>
    public static bool TryParse(ReadOnlySpan<byte> id, out MessageKey key)
    {
        key = default;
        var first = id.IndexOf((byte)'-');
        var last = id.LastIndexOf((byte)'-');
        var epoch = NoEpoch;
        if (first <= 0
            || !Utf8Parser.TryParse(id[..first], out long due, out var dueLength) || dueLength != first
            || !Utf8Parser.TryParse(id[(last + 1)..], out long seq, out var seqLength) || seqLength != id.Length - last - 1
            || (first != last && !TryParseEpoch(id[(first + 1)..last], out epoch)))
        {
            return false;
        }

        key = new MessageKey(due, seq, epoch);
        return true;
    }

    public static bool TryParse(string? id, out MessageKey key)
    {
        key = default;
        if (id is not { Length: > 0 and <= 64 })
        {
            return false;
        }

        // Parsing runs once per printed line of every chaos and bench run: no allocation per id.
        Span<byte> bytes = stackalloc byte[64];
        var length = System.Text.Encoding.ASCII.GetBytes(id, bytes);
        return TryParse(bytes[..length], out key);
    }

    public static MessageKey Parse(string id) =>
        TryParse(id, out var key) ? key : throw new FormatException($"'{id}' is not a message id.");

    /// <summary>The id exactly as the product writes it.</summary>
    public override string ToString() => Epoch == NoEpoch
        ? string.Create(CultureInfo.InvariantCulture, $"{DueMs}-{Seq}")
        : string.Create(CultureInfo.InvariantCulture, $"{DueMs}-{Epoch:x8}-{Seq}");

    private static bool TryParseEpoch(ReadOnlySpan<byte> text, out long epoch)
    {
        epoch = 0;
        if (text.Length != 8)
        {
            return false;
        }

        foreach (var c in text)
        {
            var digit = c is >= (byte)'0' and <= (byte)'9' ? c - '0' : c is >= (byte)'a' and <= (byte)'f' ? c - 'a' + 10 : -1;
            if (digit < 0)
            {
                return false;
            }

            epoch = (epoch << 4) | (uint)digit;
        }

        return true;
    }
}
