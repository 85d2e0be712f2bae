using EchoAtTime.Bench;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// The bench tool's command line (System.CommandLine): defaults, --smoke's sizes, and explicit options over both.
/// </summary>
public sealed class BenchCommandLineTests
{
    private static BenchOptions Read(params string[] args)
    {
        var commandLine = new BenchCommandLine();
        var parsed = commandLine.Command.Parse(args);
        Assert.Empty(parsed.Errors);
        return commandLine.Read(parsed);
    }

    [Fact]
    public void No_options_give_the_defaults_and_smoke_gives_its_sizes()
    {
        var plain = Read("--seed", "1");
        var smoke = Read("--smoke", "--seed", "1");

        Assert.Equal(new BenchOptions { Seed = 1 }.SiloCounts, plain.SiloCounts);
        Assert.Equal(new BenchOptions().DrainMessages, plain.DrainMessages);
        Assert.Equal(BenchOptions.SmokeDefaults.DrainMessages, smoke.DrainMessages);
        Assert.Equal(BenchOptions.SmokeDefaults.SiloCounts, smoke.SiloCounts);
        Assert.True(smoke.Smoke);
    }

    [Fact]
    public void An_explicit_option_wins_over_smoke_wherever_it_stands()
    {
        var before = Read("--drain-messages", "777", "--silos", "1,3", "--smoke");
        var after = Read("--smoke", "--duration", "2.5", "--scale-silos", "2,4", "--appendfsync", "everysec", "--keep", "--redis-cluster", "3");

        Assert.Equal(777, before.DrainMessages);
        Assert.Equal([1, 3], before.SiloCounts);
        Assert.Equal(BenchOptions.SmokeDefaults.BurstMessages, before.BurstMessages);
        Assert.Equal(TimeSpan.FromSeconds(2.5), after.Duration);
        Assert.Equal([2, 4], after.ScaleSilos);
        Assert.Equal("everysec", after.AppendFsync);
        Assert.True(after.Keep);
        Assert.Equal(3, after.RedisCluster);
        Assert.Equal(0, before.RedisCluster);
    }

    [Theory]
    [InlineData("--silos", "1,x")]
    [InlineData("--duration", "0")]
    [InlineData("--appendfsync", "no")]
    public void A_value_it_cannot_use_is_a_parse_error(string option, string value) =>
        Assert.NotEmpty(new BenchCommandLine().Command.Parse([option, value]).Errors);

    [Fact]
    public void A_redis_cluster_of_fewer_than_three_masters_is_refused()
    {
        var commandLine = new BenchCommandLine();
        var error = Assert.Throws<ArgumentException>(() => commandLine.Read(commandLine.Command.Parse(["--redis-cluster", "2"])));
        Assert.Contains("--redis-cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_scenario_is_refused_naming_the_known_ones()
    {
        var commandLine = new BenchCommandLine();
        var error = Assert.Throws<ArgumentException>(() => commandLine.Read(commandLine.Command.Parse(["--scenarios", "nope"])));
        Assert.Contains("schedule.single", error.Message, StringComparison.Ordinal);
    }
}
