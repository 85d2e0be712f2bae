using System.Globalization;
using System.Text;

namespace EchoAtTime.Grains.Output;

/// <summary>
/// How a message is written into a console line, the same in both formats: every rune of categories
/// Cc, Cf, Zl and Zp, every rune of the tag block (U+E0000–E007F) and every lone surrogate as
/// <c>\uxxxx</c> (lowercase hex; a rune beyond the BMP as its two surrogates, as JSON writes it), the
/// backslash as <c>\\</c>, LF, CR and TAB as <c>\n</c>, <c>\r</c>, <c>\t</c>; everything else raw.
/// Printed raw, those runes could end a line early, drive a terminal, reorder a line (bidi) or hide
/// text (zero-width, tags). Each format adds the one character its own grammar needs.
/// </summary>
public static class MessageEscaping
{
    /// <summary>
    /// The <c>(</c> starting the word <c>redelivered</c> is written <c>\u0028</c>, so the text never
    /// holds "(redelivered" and a line's redelivery marker is always the product's own.
    /// </summary>
    private const string TextMarkerWord = "(redelivered";

    public static void AppendText(StringBuilder sb, string message) => Append(sb, message, json: false);

    /// <summary>As in text, and the quote as <c>\"</c>: the inside of a JSON string.</summary>
    public static void AppendJson(StringBuilder sb, string message) => Append(sb, message, json: true);

    private static bool IsEscaped(Rune rune) =>
        rune.Value is >= 0xE0000 and <= 0xE007F
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static void Append(StringBuilder sb, string message, bool json)
    {
        for (var i = 0; i < message.Length; i++)
        {
            var c = message[i];
            if (char.IsHighSurrogate(c) && i + 1 < message.Length && char.IsLowSurrogate(message[i + 1]))
            {
                var low = message[++i];
                if (IsEscaped(new Rune(c, low)))
                {
                    AppendUnit(sb, c);
                    AppendUnit(sb, low);
                }
                else
                {
                    sb.Append(c).Append(low);
                }

                continue;
            }

            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '"' when json: sb.Append("\\\""); break;
                case '(' when !json && message.AsSpan(i).StartsWith(TextMarkerWord, StringComparison.Ordinal):
                    AppendUnit(sb, c);
                    break;
                default:
                    if (char.IsSurrogate(c) || IsEscaped(new Rune(c)))
                    {
                        AppendUnit(sb, c);
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }
    }

    private static void AppendUnit(StringBuilder sb, char c) =>
        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
}
