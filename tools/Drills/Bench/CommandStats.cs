using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>
/// Redis's <c>INFO commandstats</c>: calls and microseconds spent per command since the server
/// started. A phase's cost is the difference of two of these.
/// </summary>
public sealed record CommandStats(IReadOnlyDictionary<string, (long Calls, long Usec)> Commands)
{
    /// <summary>The tool's own measuring command; it is no cost of the product.</summary>
    public const string OwnCommand = "info";

    public long TotalCalls => Commands.Where(c => c.Key != OwnCommand).Sum(c => c.Value.Calls);

    public long TotalUsec => Commands.Where(c => c.Key != OwnCommand).Sum(c => c.Value.Usec);

    /// <summary>
    /// Parses lines like <c>cmdstat_evalsha:calls=12,usec=345,usec_per_call=28.75,rejected_calls=0,failed_calls=0</c>.
    /// </summary>
    public static CommandStats Parse(string info)
    {
        var commands = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal) || colon < 0)
            {
                continue;
            }

            var fields = line[(colon + 1)..].Split(',')
                .Select(f => f.Split('=', 2))
                .Where(kv => kv.Length == 2)
                .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
            commands[line["cmdstat_".Length..colon]] = (Number(fields, "calls"), Number(fields, "usec"));
        }

        return new CommandStats(commands);
    }

    /// <summary>Several servers' counters as one (a Redis Cluster's masters).</summary>
    public static CommandStats Sum(IEnumerable<CommandStats> servers)
    {
        var total = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var (name, (calls, usec)) in servers.SelectMany(s => s.Commands))
        {
            var (callsSoFar, usecSoFar) = total.GetValueOrDefault(name);
            total[name] = (callsSoFar + calls, usecSoFar + usec);
        }

        return new CommandStats(total);
    }

    /// <summary>
    /// What happened between <paramref name="before"/> and this, commands with no new calls left out.
    /// </summary>
    public CommandStats Since(CommandStats before)
    {
        var delta = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var (name, (calls, usec)) in Commands)
        {
            var (callsBefore, usecBefore) = before.Commands.GetValueOrDefault(name);
            if (calls > callsBefore)
            {
                delta[name] = (calls - callsBefore, usec - usecBefore);
            }
        }

        return new CommandStats(delta);
    }

    private static long Number(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
