using EchoAtTime.Chaos;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// A short chaos run (tools/Chaos, in-process): three silo processes and the gateway on a private
/// Redis, a few thousand messages scheduled over 40 s while a random silo is <c>kill -9</c>ed every
/// 10 s and restarted. The invariants must hold through it; the figures are printed either way.
/// </summary>
[Collection(ChaosGroup.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_accepted_message_prints_once_in_order_and_never_early_while_silos_are_killed_every_10_seconds()
    {
        var options = new ChaosOptions
        {
            Silos = 3,
            Gateway = true,
            Messages = 3_000,
            Duration = TimeSpan.FromSeconds(40),
            KillEvery = TimeSpan.FromSeconds(10),
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
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.Error.WriteLine(line);
    }
}

/// <summary>The chaos run needs the machine to itself: its silos share two cores with nothing else from the suite.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosGroup
{
    public const string Name = "Chaos";
}
