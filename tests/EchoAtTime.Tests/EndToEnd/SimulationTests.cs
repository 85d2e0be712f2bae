using System.Globalization;
using System.Text.RegularExpressions;
using EchoAtTime.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// tools/Simulate, run as the built process exactly as tools/simulate.sh runs it, against a store of its own (the
/// tests' store kind): a fixed budget of schedules drawn from fresh seeds, every fault on, must end without a
/// violation; and a schedule replayed from its seed must do exactly the same thing again, step by step. A failure
/// prints the seed and the shrunk schedule (tools/Simulate/README.md says how to replay it).
/// </summary>
[Collection(SimulationGroup.Name)]
public sealed partial class SimulationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    // A budget of schedules, not of seconds, run with the machine to itself (SimulationGroup): beside two other test
    // classes a 40 s budget ran 71 schedules, where alone it runs about 750. Every reverted fix in docs/guarantees.md
    // §9 that it finds was found within 340. On Garnet (no redis-server on PATH) the store restarts in place (about
    // 50 ms), so every fault runs at about 9 schedules/s there: the same budget, in about 45 s.
    private const int Schedules = 400;

    [Fact]
    public async Task A_budget_of_schedules_of_writes_prints_moves_and_every_fault_breaks_no_invariant()
    {
        var (exitCode, stdout, stderr) = await RunAsync("--schedules", Schedules.ToString(CultureInfo.InvariantCulture), "--faults", "all");
        output.WriteLine(stderr);
        var last = stdout.TrimEnd().Split('\n')[^1];
        var summary = Summary().Match(last);
        Assert.True(summary.Success, $"last line '{last}' is not the summary:\n{stdout}\n{stderr}");
        Assert.True(exitCode == 0 && summary.Groups[2].Value == "0", $"the simulator found a violation:\n{stderr}\n{stdout}");
        Assert.Equal(Schedules, long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The seeds 20 000-schedule runs on redis-server found windows with (docs/guarantees.md §9): <c>cyRLU2bZ4DV1</c>,
    /// the store lost the commit of a printed batch and a cancel of one of its messages answered 204;
    /// <c>852XncXHPpL1</c>, the store lost a move's leave, the arrival was appended after the restart, and the message
    /// printed at both times; <c>b3VPhhOW2SD1</c>, the recovery called a move of a lost message off by its sequence,
    /// got back the move of the message that took the sequence and arrived that message a second time;
    /// <c>cvVUYT3LYbT1</c>, a mover that learned the store lost its leave died before it canceled the arrival, and the
    /// recovery called the move off without it; <c>9i0hGet27Jn1</c> (and <c>6xbxsXFTYvb1</c>, found on Garnet), the
    /// store lost a cancel a printer knew, a cancel after the restart answered 204, the canceled set's size matched the
    /// printer's count and the commit did not hand it over; <c>1VRf5vJYrIT1</c>, a move after one the recovery called
    /// off met the called-off attempt's stand-in under the message's arrival key; <c>8M4rjryrGGK1</c>, a store that
    /// lost the commits of a printed message made the silo that printed it print it again; <c>9ydnfLqyrDh1</c>, the
    /// store lost a move's leave and its arrival's key reservation, the arrival was stored after the restart and the
    /// recovery's call-off by the key found nothing. And two the verdict was
    /// wrong about: <c>bQ9EHbKQY7X1</c>, a cancel the store lost brought its message back after a later one printed
    /// (allowed: the store lost an acknowledged write); <c>fR5NF6jFefK1</c>, a message accepted after a lossy restart
    /// took the position of one printed before it, and printing it second is acceptance order (the verdict ranked them
    /// by sequence alone); <c>eSL4acRGUSP1</c>, a write the store ran before a lossy restart, answered after it, was
    /// lost with the store's writes (the verdict judged the loss by the answer's step alone).
    /// </summary>
    [Fact]
    public async Task Every_seed_that_found_a_window_on_main_breaks_nothing()
    {
        // One process and one store for them all (a start each cost a second or two of the suite's CPU apiece).
        string[] seeds = ["cyRLU2bZ4DV1", "852XncXHPpL1", "bQ9EHbKQY7X1", "b3VPhhOW2SD1", "cvVUYT3LYbT1", "fR5NF6jFefK1",
            "9i0hGet27Jn1", "6xbxsXFTYvb1", "1VRf5vJYrIT1", "8M4rjryrGGK1", "9ydnfLqyrDh1", "eSL4acRGUSP1"];
        var (exitCode, stdout, stderr) = await RunAsync([.. seeds.SelectMany(seed => (string[])["--seed", seed]), "--faults", "all"]);
        var summary = Summary().Match(stdout.TrimEnd().Split('\n')[^1]);
        Assert.True(exitCode == 0 && summary.Success && summary.Groups[2].Value == "0", $"a seed breaks an invariant again:\n{stderr}\n{stdout}");
        Assert.Equal(seeds.Length.ToString(CultureInfo.InvariantCulture), summary.Groups[1].Value);
    }

    [Fact]
    public async Task A_schedule_replayed_from_its_seed_takes_the_same_steps_and_gets_the_same_answers()
    {
        // A seed whose schedule writes, crashes a silo, loses replies and prints (its trace is long); any seed would
        // do.
        string[] replay = ["--seed", "8BZgcw0mcuZ1", "--faults", "reply,request,crash,duplicate,clock,retention,mail", "--trace"];
        var first = await RunAsync(replay);
        var second = await RunAsync(replay);

        Assert.Equal(0, first.ExitCode);
        var trace = Normalized(first.Stderr);
        Assert.True(trace.Count > 50, $"the replay traced too little:\n{first.Stderr}");
        Assert.Equal(trace, Normalized(second.Stderr));
    }

    /// <summary>
    /// The trace lines; each run starts its own store, whose epoch (its run_id) is in every id and whose real uptime
    /// is in every load's answer (the simulator replaces it with the schedule's own), and nonces are random.
    /// </summary>
    private static List<string> Normalized(string stderr) =>
        [.. stderr.Split('\n').Where(l => l.StartsWith(' ')).Select(l => Uptime().Replace(Epoch().Replace(l, "H"), "[H,uptime]"))];

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        BuiltTool.RunAsync("Simulate", RunTimeout, TimeSpan.FromSeconds(10), args);

    [GeneratedRegex(@"^schedules=(\d+) violations=(\d+) seconds=[\d.]+$")]
    private static partial Regex Summary();

    [GeneratedRegex("[0-9a-f]{8}")]
    private static partial Regex Epoch();

    [GeneratedRegex(@"\[H+,-?\d+\]")]
    private static partial Regex Uptime();
}

/// <summary>
/// The simulator waits for the thread pool to go idle between its steps: beside other test classes on two cores it
/// runs a tenth of its schedules, so it runs alone, after the rest.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SimulationGroup
{
    public const string Name = "Simulation";
}
