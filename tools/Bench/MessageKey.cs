using System.Buffers.Text;

namespace EchoAtTime.Bench;

/// <summary>
/// A message id as the product hands it out, <c>&lt;dueMs&gt;-&lt;seq&gt;</c>, kept as two numbers:
/// a million of them fit in 16 MB, and their order is the print order the product promises
/// (due time, then acceptance sequence).
/// </summary>
public readonly record struct MessageKey(long DueMs, long Seq) : IComparable<MessageKey>
{
    public int CompareTo(MessageKey other)
    {
        var byDue = DueMs.CompareTo(other.DueMs);
        return byDue != 0 ? byDue : Seq.CompareTo(other.Seq);
    }

    public static bool operator <(MessageKey left, MessageKey right) => left.CompareTo(right) < 0;

    public static bool operator >(MessageKey left, MessageKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(MessageKey left, MessageKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(MessageKey left, MessageKey right) => left.CompareTo(right) >= 0;

    /// <summary>Parses the UTF-8 id straight from a response, without making a string of it.</summary>
    public static bool TryParse(ReadOnlySpan<byte> id, out MessageKey key)
    {
        key = default;
        // {dueMs}-{epoch}-{seq}, or {dueMs}-{seq} for minutes from before store epochs.
        var first = id.IndexOf((byte)'-');
        var dash = id.LastIndexOf((byte)'-');
        if (first <= 0
            || !Utf8Parser.TryParse(id[..first], out long due, out var dueLength) || dueLength != first
            || !Utf8Parser.TryParse(id[(dash + 1)..], out long seq, out var seqLength) || seqLength != id.Length - dash - 1)
        {
            return false;
        }

        key = new MessageKey(due, seq);
        return true;
    }

    public override string ToString() => FormattableString.Invariant($"{DueMs}-{Seq}");
}
