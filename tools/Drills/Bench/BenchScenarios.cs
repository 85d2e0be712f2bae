namespace EchoAtTime.Bench;

/// <summary>The scenarios, by name, in the order a run goes through them.</summary>
public static class BenchScenarios
{
    public const string ScheduleSingle = "schedule.single";
    public const string ScheduleBatch = "schedule.batch";
    public const string HttpFloor = "http.floor";
    public const string Memory = "memory";
    public const string LatenessLight = "lateness.light";
    public const string LatenessIdle = "lateness.idle";
    public const string Burst = "burst";
    public const string Drain = "drain";
    public const string Horizon = "horizon";
    public const string Recurring = "recurring";
    public const string ScaleSpread = "scale.spread";
    public const string ScaleHot = "scale.hot";

    /// <summary>
    /// scale last: it is the longest, and its silos are throttled where every other scenario's are not.
    /// </summary>
    public static IReadOnlyList<string> Names { get; } = [ScheduleSingle, HttpFloor, ScheduleBatch, Memory, LatenessLight, LatenessIdle, Burst, Drain, Horizon, Recurring, ScaleSpread, ScaleHot];

    /// <summary>
    /// The scenarios a <c>--scenarios</c> list names, in run order; an entry may be a whole name or a
    /// group before the dot (<c>schedule</c>, <c>http</c>, <c>lateness</c>, <c>scale</c>).
    /// </summary>
    public static IReadOnlyList<string> Select(string list)
    {
        var wanted = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var entry in wanted)
        {
            if (!Names.Any(n => Matches(n, entry)))
            {
                throw new ArgumentException($"Unknown scenario '{entry}'; known: {string.Join(", ", Names)}.");
            }
        }

        return [.. Names.Where(n => wanted.Any(w => Matches(n, w)))];
    }

    public static IScenario Create(string name, BenchOptions options) => name switch
    {
        ScheduleSingle => new ScheduleScenario(ScheduleSingle, batches: false),
        ScheduleBatch => new ScheduleScenario(ScheduleBatch, batches: true),
        HttpFloor => new HttpFloorScenario(),
        Memory => new MemoryScenario(),
        LatenessLight => new LatenessScenario(LatenessLight, options.LatenessLightRate),
        LatenessIdle => new LatenessScenario(LatenessIdle, options.LatenessIdleRate),
        Burst => new BurstScenario(),
        Drain => new DrainScenario(),
        Horizon => new HorizonScenario(),
        Recurring => new RecurringScenario(),
        ScaleSpread => new ScaleScenario(ScaleSpread, ScaleWorkload.Spread, options),
        ScaleHot => new ScaleScenario(ScaleHot, ScaleWorkload.Hot, options),
        _ => throw new ArgumentException($"Unknown scenario '{name}'.", nameof(name)),
    };

    /// <summary>One of the scale scenario's workloads (their runs feed the scale picture).</summary>
    public static bool IsScale(string name) => Matches(name, "scale");

    private static bool Matches(string name, string entry) =>
        string.Equals(name, entry, StringComparison.OrdinalIgnoreCase)
        || name.StartsWith(entry + ".", StringComparison.OrdinalIgnoreCase);
}
