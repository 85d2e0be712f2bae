using EchoAtTime.Chaos;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// A short chaos run (tools/Drills' chaos verb, in-process): three silo processes and the gateway on a private
/// Redis, two thousand messages and three recurring schedules over 24 s while a random silo is <c>kill -9</c>ed
/// every 5 s and restarted. The invariants must hold through it; the figures are printed either way. It runs alone, at
/// the end of the suite, so it is kept short: the long runs are the tool's (tools/Drills/Chaos/README.md).
/// </summary>
[Collection(ChaosGroup.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_accepted_message_and_schedule_occurrence_prints_once_in_order_and_never_early_while_silos_are_killed_every_5_seconds()
    {
        var options = new ChaosOptions
        {
            Silos = 3,
            Gateway = true,
            Messages = 2_000,
            Schedules = 3,
            Duration = TimeSpan.FromSeconds(24),
            KillEvery = TimeSpan.FromSeconds(5),
            DrainTimeout = TimeSpan.FromSeconds(30),
        };

        var report = await new ChaosRun(options, Report).RunAsync();
        Report(ReportTable.Format(report));

        Assert.True(report.Kills.Count >= 3, $"the scenario needs kills; only {report.Kills.Count} happened");
        Assert.True(report.Requests.Accepted >= options.Messages / 2, $"too little was accepted to judge: {report.Requests.Accepted}");
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.DuplicatesUnflagged);
        Assert.Equal(0, report.OrderBreaks);
        Assert.Equal(0, report.EarlyPrints);
        Assert.Equal(0, report.Mismatched);
        // Every 2 s for 24 s: 12 occurrences per schedule.
        Assert.True(report.Occurrences.Expected >= 3 * 10, $"the schedules need occurrences: {report.Occurrences}");
        Assert.True(report.Occurrences.Holds, $"{report.Occurrences}\n{string.Join('\n', report.Evidence)}");

        // A crash repeats at most the one batch its printer had declared (DESIGN invariant 3): no more
        // messages than the default Echo:BatchSize the silos run, and from one batch (one printedAt) per minute.
        var batchSize = new EchoOptions().BatchSize;
        Assert.True(report.MaxRepeatsPerCrash <= batchSize, $"{report.MaxRepeatsPerCrash} repeats after one crash, more than one batch of {batchSize}");
        Assert.True(report.MaxBatchesRepeatedPerCrash <= 1, $"one crash re-printed {report.MaxBatchesRepeatedPerCrash} of its batches in one minute; only the declared one may print again");

        // Only the kills disrupt: a silo that exits by itself, or a repeat whose earlier print came from a
        // process nobody killed, is a fault of the service that the kills would otherwise hide.
        Assert.True(report.Crashes == 0, $"{report.Crashes} silo(s) exited by themselves");
        Assert.True(report.FlaggedRepeatsWithoutKill == 0, $"{report.FlaggedRepeatsWithoutKill} flagged repeat(s) without a kill");

        // The README's figure is a resume within ~2.5 s of a kill on this 2-core box. 10 s is four times
        // that, room for a loaded CI runner, and still tells a resume on the sweep and due clock from one
        // that waited for something slower (a minute's reminder tick) or hung.
        Assert.True(report.ResumeMaxMs <= MaxResumeMs, $"printing resumed {report.ResumeMaxMs} ms after a kill at worst, beyond {MaxResumeMs} ms");
    }

    private const long MaxResumeMs = 10_000;

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.Error.WriteLine(line);
    }
}

/// <summary>
/// The chaos run needs the machine to itself: its silos share two cores with nothing else from the suite.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosGroup
{
    public const string Name = "Chaos";
}
