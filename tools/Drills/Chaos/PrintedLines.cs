namespace EchoAtTime.Chaos;

/// <summary>
/// Every line every silo process printed, collected as it arrives (killed processes included), and
/// the set of ids seen, so the run can wait until everything accepted has printed. Each line is
/// stamped with this tool's clock as it arrives: it cannot have been printed later, so "never early"
/// is judged by a clock no silo can step (a silo's printedAt is its own reading).
/// </summary>
public sealed class PrintedLines(TimeProvider clock)
{
    private readonly Lock _lock = new();
    private readonly List<PrintedLine> _lines = [];
    private readonly List<(string Instance, string Raw)> _unparseable = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _lines.Count;
            }
        }
    }

    public void Add(string instance, string raw)
    {
        var receivedMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var parsed = PrintedLine.TryParse(instance, raw, out var line);
        lock (_lock)
        {
            if (parsed)
            {
                _lines.Add(line with { ReceivedMs = receivedMs });
                _ids.Add(line.Id);
            }
            else
            {
                _unparseable.Add((instance, raw));
            }
        }
    }

    /// <summary>How many of <paramref name="ids"/> have printed at least once.</summary>
    public int CountPrinted(IEnumerable<string> ids)
    {
        lock (_lock)
        {
            return ids.Count(_ids.Contains);
        }
    }

    public IReadOnlyList<PrintedLine> Lines()
    {
        lock (_lock)
        {
            return [.. _lines];
        }
    }

    /// <summary>
    /// stdout lines that are not an echoed message (stdout must carry nothing else), e.g. a line cut by <c>kill -9</c>.
    /// </summary>
    public IReadOnlyList<(string Instance, string Raw)> Unparseable()
    {
        lock (_lock)
        {
            return [.. _unparseable];
        }
    }
}
