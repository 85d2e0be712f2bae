using System.Globalization;
using System.Text.Json;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>One JSON line a silo printed, with the process instance that printed it.</summary>
public sealed record PrintedLine(string Instance, MessageId Id, long DueMs, long PrintedMs, string Message, bool Redelivered)
{
    /// <summary>Print order key: due time, then acceptance sequence.</summary>
    public (long, int) Key => (DueMs, Id.Seq);

    public static PrintedLine Parse(string instance, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (!MessageId.TryParse(root.GetProperty("id").GetString(), out var id))
        {
            throw new FormatException($"Bad id in {json}");
        }

        return new PrintedLine(
            instance,
            id,
            Ms(root.GetProperty("dueAt").GetString()!),
            Ms(root.GetProperty("printedAt").GetString()!),
            root.GetProperty("message").GetString()!,
            root.GetProperty("redelivered").GetBoolean());
    }

    /// <summary>
    /// Unflagged lines merged across instances by print time that come after a line with a greater
    /// (due, sequence) key printed at an earlier millisecond.
    /// </summary>
    public static List<string> OrderBreaks(IEnumerable<PrintedLine> lines)
    {
        var breaks = new List<string>();
        PrintedLine? highest = null;
        foreach (var group in lines.Where(l => !l.Redelivered).GroupBy(l => l.PrintedMs).OrderBy(g => g.Key))
        {
            var groupHighest = highest;
            foreach (var line in group)
            {
                if (highest is not null && line.Key.CompareTo(highest.Key) < 0)
                {
                    breaks.Add($"{line.Instance} printed {line.Id} at {line.PrintedMs} after {highest.Instance} printed {highest.Id} at {highest.PrintedMs}");
                }

                if (groupHighest is null || line.Key.CompareTo(groupHighest.Key) > 0)
                {
                    groupHighest = line;
                }
            }

            highest = groupHighest;
        }

        return breaks;
    }

    private static long Ms(string iso) =>
        DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds();
}
