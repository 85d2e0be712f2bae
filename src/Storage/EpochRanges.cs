using System.Globalization;

namespace EchoAtTime.Storage;

/// <summary>
/// A minute's epoch record (<c>"seq:epoch,seq:epoch…"</c>, meta field <c>e</c>): from which sequence
/// on each store epoch holds. Parsed once per record text; a message's id carries the epoch its
/// sequence was appended under.
/// </summary>
public sealed class EpochRanges
{
    private readonly (int From, string Epoch)[] _ranges;

    private EpochRanges(string text, (int From, string Epoch)[] ranges) => (Text, _ranges) = (text, ranges);

    public static EpochRanges None { get; } = new("", []);

    /// <summary>The record as the store holds it ("" before any).</summary>
    public string Text { get; }

    public static EpochRanges Parse(string? text) => string.IsNullOrEmpty(text)
        ? None
        : new(text, text.Split(',').Select(part =>
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            return (int.Parse(part.AsSpan(0, colon), CultureInfo.InvariantCulture), part[(colon + 1)..]);
        }).ToArray());

    /// <summary>
    /// The store epoch sequence <paramref name="seq"/> was appended under; null before epochs existed.
    /// </summary>
    public string? EpochOf(int seq)
    {
        string? epoch = null;
        foreach (var (from, e) in _ranges)
        {
            if (from > seq)
            {
                break;
            }

            epoch = e;
        }

        return epoch;
    }
}
