using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EchoAtTime.Grains.Output;

/// <summary>
/// The console contract: <c>text</c> is "dueAt message" with every control character escaped, so a
/// message can never forge a line or drive a terminal; <c>json</c> is one object per line.
/// </summary>
public static class EchoLineFormatter
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void AppendText(StringBuilder sb, EchoLine line)
    {
        sb.Append(EchoTime.Format(line.Id.DueMs)).Append(' ');
        AppendEscaped(sb, line.Message);
        if (line.Redelivered)
        {
            sb.Append(" (redelivered id=").Append(line.Id.ToString()).Append(')');
        }

        sb.Append('\n');
    }

    public static void AppendJson(Utf8JsonWriter writer, EchoLine line)
    {
        writer.WriteStartObject();
        writer.WriteString("id", line.Id.ToString());
        writer.WriteString("dueAt", EchoTime.Format(line.Id.DueMs));
        writer.WriteString("printedAt", EchoTime.Format(line.PrintedAtMs));
        writer.WriteString("message", ReplaceLoneSurrogates(line.Message));
        writer.WriteBoolean("redelivered", line.Redelivered);
        writer.WriteEndObject();
    }

    public static string Text(EchoLine line)
    {
        var sb = new StringBuilder();
        AppendText(sb, line);
        return sb.ToString();
    }

    public static string Json(EchoLine line)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            AppendJson(writer, line);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static JsonWriterOptions WriterOptions => JsonOptions;

    /// <summary>Escapes C0/C1 controls, DEL, line/paragraph separators, bidi and zero-width format characters, lone surrogates and the backslash itself.</summary>
    public static void AppendEscaped(StringBuilder sb, string message)
    {
        for (var i = 0; i < message.Length; i++)
        {
            var c = message[i];
            if (char.IsHighSurrogate(c) && i + 1 < message.Length && char.IsLowSurrogate(message[i + 1]))
            {
                sb.Append(c).Append(message[++i]);
                continue;
            }

            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    if (c < 0x20 || c is >= '\u007f' and <= '\u009f' || c is '\u2028' or '\u2029' || char.IsSurrogate(c) || ReordersOrHides(c))
                    {
                        sb.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Unicode format characters that reorder (bidi embeddings, overrides, isolates, marks) or hide
    /// (zero-width ones, BOM) text: printed raw, one message could make a line read as something else.
    /// </summary>
    private static bool ReordersOrHides(char c) =>
        c is >= '\u200b' and <= '\u200f' or >= '\u202a' and <= '\u202e' or >= '\u2060' and <= '\u2064' or >= '\u2066' and <= '\u2069' or '\ufeff';

    private static string ReplaceLoneSurrogates(string message)
    {
        for (var i = 0; i < message.Length; i++)
        {
            if (char.IsSurrogate(message[i]) && !(char.IsHighSurrogate(message[i]) && i + 1 < message.Length && char.IsLowSurrogate(message[++i])))
            {
                return string.Create(message.Length, message, static (span, src) =>
                {
                    for (var j = 0; j < src.Length; j++)
                    {
                        var isPair = char.IsHighSurrogate(src[j]) && j + 1 < src.Length && char.IsLowSurrogate(src[j + 1]);
                        if (isPair)
                        {
                            span[j] = src[j];
                            span[++j] = src[j];
                        }
                        else
                        {
                            span[j] = char.IsSurrogate(src[j]) ? '\uFFFD' : src[j];
                        }
                    }
                });
            }
        }

        return message;
    }
}
