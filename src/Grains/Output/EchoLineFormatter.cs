using System.Text;

namespace EchoAtTime.Grains.Output;

/// <summary>
/// The console contract, one line per message, the message escaped by <see cref="MessageEscaping"/> so
/// that it can never forge a line, a redelivery or drive a terminal: <c>text</c> is "dueAt message",
/// ending with " (redelivered id=…)" on a redelivery; <c>json</c> is one object per line. The JSON is
/// written here rather than by a JSON writer: none escapes exactly this set (the relaxed encoder passes
/// bidi controls raw, the default one escapes every non-ASCII character) nor a lone surrogate as itself.
/// </summary>
public static class EchoLineFormatter
{
    public static void AppendText(StringBuilder sb, EchoLine line)
    {
        sb.Append(EchoTime.Format(line.Id.DueMs)).Append(' ');
        MessageEscaping.AppendText(sb, line.Message);
        if (line.Redelivered)
        {
            sb.Append(" (redelivered id=").Append(line.Id.ToString()).Append(')');
        }

        sb.Append('\n');
    }

    /// <summary>The id and the timestamps are digits, hex, '-', ':', '.', 'T' and 'Z': none needs escaping.</summary>
    public static void AppendJson(StringBuilder sb, EchoLine line)
    {
        sb.Append("{\"id\":\"").Append(line.Id.ToString())
            .Append("\",\"dueAt\":\"").Append(EchoTime.Format(line.Id.DueMs))
            .Append("\",\"printedAt\":\"").Append(EchoTime.Format(line.PrintedAtMs))
            .Append("\",\"message\":\"");
        MessageEscaping.AppendJson(sb, line.Message);
        sb.Append("\",\"redelivered\":").Append(line.Redelivered ? "true" : "false").Append("}\n");
    }

    public static string Text(EchoLine line)
    {
        var sb = new StringBuilder();
        AppendText(sb, line);
        return sb.ToString();
    }

    public static string Json(EchoLine line)
    {
        var sb = new StringBuilder();
        AppendJson(sb, line);
        return sb.ToString();
    }
}
