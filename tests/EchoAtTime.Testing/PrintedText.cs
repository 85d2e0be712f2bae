namespace EchoAtTime.Testing;

/// <summary>
/// One stdout line of a silo in the default <c>text</c> format (docs/api.md, "Console output"):
/// <c>{dueAt} {escaped message}</c>, and on a redelivery <c> (redelivered id={id})</c> at its end. The
/// message cannot hold the word "(redelivered" unescaped, so the marker is recognised by that word.
/// </summary>
/// <param name="RedeliveredId">The id the marker names; null when the line is no redelivery.</param>
public sealed record PrintedText(long DueMs, string Message, MessageKey? RedeliveredId)
{
    private const int StampLength = 24;
    private const string Marker = "(redelivered id=";

    public bool Redelivered => RedeliveredId is not null;

    /// <param name="raw">The line without its line feed.</param>
    public static bool TryParse(string raw, out PrintedText line)
    {
        line = null!;
        if (raw.Length < StampLength + 2 || raw[StampLength] != ' '
            || !PrintedLine.TryParseMs(raw.AsSpan(0, StampLength), out var dueMs))
        {
            return false;
        }

        var text = raw.AsSpan(StampLength + 1);
        MessageKey? redelivered = null;
        var at = text.IndexOf(Marker.AsSpan(0, "(redelivered".Length), StringComparison.Ordinal);
        if (at >= 0)
        {
            // Only the product's marker holds the word: after a space, naming this line's message, closing the line.
            if (at < 2 || text[at - 1] != ' ' || !text[at..].StartsWith(Marker, StringComparison.Ordinal)
                || text[^1] != ')'
                || !MessageKey.TryParse(text[(at + Marker.Length)..^1].ToString(), out var key) || key.DueMs != dueMs)
            {
                return false;
            }

            redelivered = key;
            text = text[..(at - 1)];
        }

        if (text.IsEmpty || !PrintedEscapes.TryUnescapeText(text, out var message))
        {
            return false;
        }

        line = new PrintedText(dueMs, message, redelivered);
        return true;
    }
}
