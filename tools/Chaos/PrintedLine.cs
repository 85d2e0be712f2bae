using System.Globalization;
using System.Text.Json;

namespace EchoAtTime.Chaos;

/// <summary>
/// One stdout line of a silo in <c>Echo:Output=json</c> format (DESIGN §2):
/// <c>{"id":"&lt;dueMs&gt;-&lt;seq&gt;","dueAt","printedAt","message","redelivered"}</c>.
/// </summary>
/// <param name="Instance">The silo process that printed it, e.g. <c>silo-2#1</c> (second process of silo-2).</param>
/// <param name="Id">The id the product gave the message.</param>
/// <param name="DueMs">Due time, epoch ms (from <c>dueAt</c>).</param>
/// <param name="Seq">Acceptance sequence among messages of the same slot (from the id).</param>
/// <param name="PrintedMs">When the silo printed it, epoch ms (from <c>printedAt</c>).</param>
/// <param name="Message">The echoed text.</param>
/// <param name="Redelivered">The silo says it may have been printed before (its previous printer died).</param>
/// <param name="Raw">The line as written, for evidence.</param>
public sealed record PrintedLine(string Instance, string Id, long DueMs, long Seq, long PrintedMs, string Message, bool Redelivered, string Raw)
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>The global print order the product promises: due time, then acceptance.</summary>
    public (long DueMs, long Seq) Key => (DueMs, Seq);

    public static bool TryParse(string instance, string raw, out PrintedLine line)
    {
        line = null!;
        try
        {
            using var json = JsonDocument.Parse(raw);
            var root = json.RootElement;
            var id = root.GetProperty("id").GetString() ?? "";
            // {dueMs}-{epoch}-{seq}, or {dueMs}-{seq} for minutes from before store epochs.
            var first = id.IndexOf('-', StringComparison.Ordinal);
            var dash = id.LastIndexOf('-');
            if (first <= 0
                || !long.TryParse(id.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var idDue)
                || !long.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                return false;
            }

            var dueMs = ParseMs(root.GetProperty("dueAt").GetString());
            if (dueMs != idDue)
            {
                // The id and dueAt disagree: not a line this contract allows.
                return false;
            }

            line = new PrintedLine(
                instance,
                id,
                dueMs,
                seq,
                ParseMs(root.GetProperty("printedAt").GetString()),
                root.GetProperty("message").GetString() ?? "",
                root.GetProperty("redelivered").GetBoolean(),
                raw);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    public static string FormatMs(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static long ParseMs(string? timestamp) =>
        DateTimeOffset.ParseExact(timestamp ?? "", TimestampFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal).ToUnixTimeMilliseconds();
}
