using System.Globalization;
using System.Text;

namespace EchoAtTime.Testing;

/// <summary>
/// The reading of a message as the console contract escapes it (docs/api.md, "Console output"), kept
/// strict on purpose: a line the product wrote any other way — a rune raw that must be escaped, an
/// escape of one that need not be, upper-case hex — is refused, so a test comparing the read message
/// with the sent one also checks that the line was written by the grammar and by nothing looser.
/// Written apart from the product's escaper so that each checks the other.
/// </summary>
public static class PrintedEscapes
{
    private const string MarkerWord = "redelivered";

    /// <summary>Runes written as <c>\uxxxx</c>: Cc, Cf, Zl, Zp and the tag block (lone surrogates too).</summary>
    public static bool MustEscape(Rune rune) =>
        rune.Value is >= 0xE0000 and <= 0xE007F
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>The message of a text line's message part (after "dueAt ", before any marker).</summary>
    public static bool TryUnescapeText(ReadOnlySpan<char> escaped, out string message) =>
        TryUnescape(escaped, json: false, out message);

    /// <summary>The message of a JSON line's <c>message</c> string, between its quotes.</summary>
    public static bool TryUnescapeJson(ReadOnlySpan<char> escaped, out string message) =>
        TryUnescape(escaped, json: true, out message);

    private static bool TryUnescape(ReadOnlySpan<char> s, bool json, out string message)
    {
        message = "";
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c != '\\')
            {
                if (Rune.DecodeFromUtf16(s[i..], out var rune, out var length) != System.Buffers.OperationStatus.Done
                    || MustEscape(rune) || (json && c == '"'))
                {
                    return false;
                }

                sb.Append(s.Slice(i, length));
                i += length - 1;
                continue;
            }

            if (++i == s.Length)
            {
                return false;
            }

            switch (s[i])
            {
                case '\\': sb.Append('\\'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case '"' when json: sb.Append('"'); break;
                case 'u':
                    if (!TryUnit(s, ref i, json, sb))
                    {
                        return false;
                    }

                    break;
                default: return false;
            }
        }

        message = sb.ToString();
        return true;
    }

    /// <summary>Reads <c>\uxxxx</c>, and the low half after a high one; <paramref name="i"/> is on the u.</summary>
    private static bool TryUnit(ReadOnlySpan<char> s, ref int i, bool json, StringBuilder sb)
    {
        if (!TryHex(s, i + 1, out var unit))
        {
            return false;
        }

        i += 4;
        if (char.IsHighSurrogate(unit) && s[(i + 1)..] is ['\\', 'u', ..]
            && TryHex(s, i + 3, out var low) && char.IsLowSurrogate(low))
        {
            i += 6;
            sb.Append(unit).Append(low);
            return MustEscape(new Rune(unit, low));
        }

        sb.Append(unit);
        return char.IsSurrogate(unit)
            || (unit == '(' && !json && s[(i + 1)..].StartsWith(MarkerWord, StringComparison.Ordinal))
            || (unit is not ('\n' or '\r' or '\t') && MustEscape(new Rune(unit)));
    }

    /// <summary>Four lower-case hex digits at <paramref name="at"/>: the only spelling the grammar allows.</summary>
    private static bool TryHex(ReadOnlySpan<char> s, int at, out char unit)
    {
        unit = '\0';
        if (at + 4 > s.Length)
        {
            return false;
        }

        var value = 0;
        foreach (var h in s.Slice(at, 4))
        {
            var digit = h is >= '0' and <= '9' ? h - '0' : h is >= 'a' and <= 'f' ? h - 'a' + 10 : -1;
            if (digit < 0)
            {
                return false;
            }

            value = (value * 16) + digit;
        }

        unit = (char)value;
        return true;
    }
}
