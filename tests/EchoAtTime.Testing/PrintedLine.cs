using System.Globalization;
using System.Text.Json;

namespace EchoAtTime.Testing;

/// <summary>
/// One stdout line of a silo in <c>Echo:Output=json</c> format (the console contract):
/// <c>{"id":"{dueMs}-{epoch}-{seq}","dueAt","printedAt","message","redelivered"}</c>. The one reading of
/// that contract the tests, the chaos tool and the bench share.
/// </summary>
/// <param name="Instance">The process that printed it, e.g. <c>silo-2#1</c> (second process of silo-2).</param>
/// <param name="Key">The id the product gave the message.</param>
/// <param name="PrintedMs">When the silo printed it, epoch ms (from <c>printedAt</c>: the silo's clock).</param>
/// <param name="Message">The echoed text; empty when parsed without text
/// (<see cref="TryParse(string, string, bool, out PrintedLine)"/>).</param>
/// <param name="Redelivered">The silo says it may have been printed before (its previous printer died).</param>
/// <param name="Raw">The line as written, for evidence; empty when parsed without text.</param>
public sealed record PrintedLine(string Instance, MessageKey Key, long PrintedMs, string Message, bool Redelivered, string Raw = "")
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>The id as printed.</summary>
    public string Id => Key.ToString();

    public long DueMs => Key.DueMs;

    public long Seq => Key.Seq;

    /// <summary>
    /// When the reader received the line, epoch ms on the reader's clock; 0 when unknown. The line
    /// cannot have been printed later, so "never early" can be judged without the service's own clock.
    /// </summary>
    public long ReceivedMs { get; init; }

    /// <summary>printedAt − dueAt, ms: the silo's own clock on both sides.</summary>
    public long LatenessMs => PrintedMs - DueMs;

    public static bool TryParse(string instance, string raw, out PrintedLine line) => TryParse(instance, raw, keepText: true, out line);

    /// <param name="keepText">False keeps neither the message nor the raw line (a million lines stay small).</param>
    public static bool TryParse(string instance, string raw, bool keepText, out PrintedLine line)
    {
        line = null!;
        try
        {
            using var json = JsonDocument.Parse(raw);
            var root = json.RootElement;
            if (!MessageKey.TryParse(root.GetProperty("id").GetString(), out var key)
                || ParseMs(root.GetProperty("dueAt").GetString()) != key.DueMs)
            {
                // No id, or the id and dueAt disagree: not a line this contract allows.
                return false;
            }

            line = new PrintedLine(
                instance,
                key,
                ParseMs(root.GetProperty("printedAt").GetString()),
                keepText ? ReadMessage(root.GetProperty("message")) : "",
                root.GetProperty("redelivered").GetBoolean(),
                keepText ? raw : "");
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// As <see cref="TryParse(string, string, out PrintedLine)"/>, for stdout that may carry nothing else: throws on
    /// any other line.
    /// </summary>
    public static PrintedLine Parse(string instance, string raw, long receivedMs = 0) =>
        TryParse(instance, raw, out var line) ? line with { ReceivedMs = receivedMs } : throw new FormatException($"{instance} printed a line that is not an echoed message: {raw}");

    public static string FormatMs(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public override string ToString() => Raw.Length > 0 ? $"{Instance}: {Raw}" : $"{Id} by {Instance} at {FormatMs(PrintedMs)}";

    /// <summary>A timestamp as the console prints it (UTC, milliseconds); false on any other spelling.</summary>
    internal static bool TryParseMs(ReadOnlySpan<char> timestamp, out long epochMs)
    {
        var ok = DateTimeOffset.TryParseExact(timestamp, TimestampFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed);
        epochMs = ok ? parsed.ToUnixTimeMilliseconds() : 0;
        return ok;
    }

    private static long ParseMs(string? timestamp) =>
        TryParseMs(timestamp, out var epochMs)
            ? epochMs
            : throw new FormatException($"not a console timestamp: {timestamp}");

    /// <summary>
    /// The message read by the console grammar rather than by JSON's, which would accept any spelling and
    /// refuses the escape of a lone surrogate the grammar prints.
    /// </summary>
    private static string ReadMessage(JsonElement message)
    {
        var raw = message.GetRawText();
        return message.ValueKind == JsonValueKind.String
            && PrintedEscapes.TryUnescapeJson(raw.AsSpan(1, raw.Length - 2), out var text)
            ? text
            : throw new FormatException($"the message is not written by the console grammar: {raw}");
    }
}
