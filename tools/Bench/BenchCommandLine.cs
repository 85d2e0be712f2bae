using System.Globalization;

namespace EchoAtTime.Bench;

/// <summary>Parses <c>--name value</c> / <c>--name=value</c> arguments (and the flags <c>--smoke</c>, <c>--keep</c>) into <see cref="BenchOptions"/>.</summary>
public static class BenchCommandLine
{
    public static string Usage => $"""
        Usage: EchoAtTime.Bench [options]     (tools/bench.sh builds Release and runs this)
          --silos LIST            silo counts; each scenario runs once per count       (1,2; --smoke: 1)
          --scenarios LIST        {string.Join(", ", BenchScenarios.Names)}
                                  or a group (schedule, lateness, scale)               (all; --smoke: all but scale)
          --duration S            measured sending time of schedule.*                  (10; --smoke: 1)
          --drain-messages N      messages of the drain scenario                       (100000; --smoke: 200)
          --burst-messages N      messages due at the same ms in the burst scenario    (20000; --smoke: 200)
          --memory-messages N     pending messages of the memory scenario              (100000; --smoke: 200)
          --horizon-messages N    horizon: messages, each due in a minute of its own   (100000; --smoke: 1000)
          --scale-silos LIST      scale: silo counts, in place of --silos              (1,2,4; --smoke: 1,2)
          --scale-quota CORES     scale: CPU of each silo, its own cgroup (needs root) (0.25)
          --scale-seconds S       scale: measured sending time per run (+3 s warm-up)  (15; --smoke: 1)
          --appendfsync MODE      Redis appendfsync: always | everysec                 (always)
          --report PATH           JSON report                                          (bench-report.json)
          --keep                  keep the work dir (Redis data, silo stdout/stderr)   (deleted unless a check failed)
          --work-dir DIR          where that goes                                      (/tmp/echo-bench-<guid>)
          --smoke                 tiny sizes for CI: 1 s, 200 messages, one silo       (off)
          --seed N                seed of the random due times                         (random, reported)
          --config NAME           which Silo build to run: Release | Debug             (this tool's own)
        Every scenario starts its own redis-server and silos; lateness and burst first have them print 256
        warm-up messages (left out of the figures), drain measures a cold restart on purpose. scale runs on its own silo
        counts, each silo in a CPU cgroup, and reports accepted/s and the scaling efficiency T(N)/(N·T(1)) per workload
        (due over an hour, or in one hot minute), checked against what Redis holds; its picture goes next to the report
        (<report>.scale.png). Figures: table on stdout, JSON in the report;
        progress on stderr. Exit code: 0 when every scenario ran and nothing was lost, duplicated, printed
        out of order or early; 1 when an invariant broke; 2 for bad arguments or a run that could not be carried out.
        """;

    private static readonly string[] Flags = ["smoke", "keep"];

    private static readonly string[] Valued =
        ["silos", "scenarios", "duration", "drain-messages", "burst-messages", "memory-messages", "horizon-messages", "scale-silos", "scale-quota", "scale-seconds",
         "appendfsync", "report", "work-dir", "seed", "config"];

    /// <summary>Throws <see cref="ArgumentException"/> with a readable message for anything it does not understand.</summary>
    public static (BenchOptions Options, bool Help) Parse(IReadOnlyList<string> args)
    {
        var named = new List<(string Name, string? Value)>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                return (new BenchOptions(), true);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            if (!Flags.Contains(name) && !Valued.Contains(name))
            {
                throw new ArgumentException($"Unknown option --{name}.");
            }

            if (equals > 0)
            {
                named.Add((name, arg[(equals + 1)..]));
            }
            else if (Flags.Contains(name))
            {
                named.Add((name, null));
            }
            else
            {
                named.Add((name, i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value.")));
            }
        }

        // --smoke picks the base sizes; any option given explicitly still wins, wherever it stands.
        var options = named.Any(n => n.Name == "smoke" && Bool(n)) ? BenchOptions.SmokeDefaults : new BenchOptions();
        foreach (var option in named)
        {
            var value = option.Value ?? "";
            options = option.Name switch
            {
                "smoke" => options,
                "keep" => options with { Keep = Bool(option) },
                "silos" => options with { SiloCounts = IntList(option.Name, value) },
                "scenarios" => options with { Scenarios = BenchScenarios.Select(value) },
                "duration" => options with { Duration = Seconds("duration", value) },
                "drain-messages" => options with { DrainMessages = Int(option.Name, value) },
                "burst-messages" => options with { BurstMessages = Int(option.Name, value) },
                "memory-messages" => options with { MemoryMessages = Int(option.Name, value) },
                "horizon-messages" => options with { HorizonMessages = Int(option.Name, value) },
                "scale-silos" => options with { ScaleSilos = IntList(option.Name, value) },
                "scale-quota" => options with { ScaleQuota = Positive(option.Name, value, "cores") },
                "scale-seconds" => options with { ScaleDuration = TimeSpan.FromSeconds(Positive(option.Name, value, "seconds")) },
                "appendfsync" => options with { AppendFsync = value.ToLowerInvariant() },
                "report" => options with { ReportPath = value },
                "work-dir" => options with { WorkDir = value },
                "seed" => options with { Seed = Int(option.Name, value) },
                "config" => options with { Configuration = value },
                _ => throw new ArgumentException($"Unknown option --{option.Name}."),
            };
        }

        options.Validate();
        return (options, false);
    }

    private static bool Bool((string Name, string? Value) option) => option.Value?.ToLowerInvariant() switch
    {
        null or "true" or "yes" or "1" => true,
        "false" or "no" or "0" => false,
        _ => throw new ArgumentException($"--{option.Name} takes true or false, got '{option.Value}'."),
    };

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"--{name} needs an integer, got '{value}'.");

    private static int[] IntList(string name, string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => Int(name, v))];

    private static TimeSpan Seconds(string name, string value) => TimeSpan.FromSeconds(Positive(name, value, "seconds"));

    private static double Positive(string name, string value, string unit) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && double.IsFinite(n)
            ? n
            : throw new ArgumentException($"--{name} needs a positive number of {unit}, got '{value}'.");
}
