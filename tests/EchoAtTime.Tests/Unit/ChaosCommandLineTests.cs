using EchoAtTime.Chaos;

namespace EchoAtTime.Tests.Unit;

/// <summary>The chaos tool's command line (System.CommandLine) maps onto <see cref="ChaosOptions"/>.</summary>
public sealed class ChaosCommandLineTests
{
    private static (ChaosOptions Options, string Report) Read(params string[] args)
    {
        var commandLine = new ChaosCommandLine();
        var parsed = commandLine.Command.Parse(args);
        Assert.Empty(parsed.Errors);
        return commandLine.Read(parsed);
    }

    [Fact]
    public void No_options_give_the_documented_defaults()
    {
        var (options, report) = Read();

        Assert.Equal(new ChaosOptions() with { Settings = options.Settings }, options);
        Assert.Empty(options.Settings);
        Assert.Equal(ChaosCommandLine.DefaultReportPath, report);
    }

    [Fact]
    public void Every_kind_of_option_reaches_its_field()
    {
        var (options, report) = Read(
            "--silos", "2", "--gateway", "false", "--duration", "7.5", "--outage", "150", "--store-delay", "100-300", "--appendfsync", "everysec",
            "--set", "A:B=1", "--set", "C=x=y", "--seed", "42", "--report", "r.json", "--keep");

        Assert.Equal(2, options.Silos);
        Assert.False(options.Gateway);
        Assert.Equal(TimeSpan.FromSeconds(7.5), options.Duration);
        Assert.Equal(TimeSpan.FromSeconds(150), options.Outage);
        Assert.Equal((TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300)), (options.StoreDelayMin, options.StoreDelayMax));
        Assert.Equal("everysec", options.AppendFsync);
        Assert.Equal([new("A:B", "1"), new("C", "x=y")], options.Settings);
        Assert.Equal(42, options.Seed);
        Assert.True(options.KeepWorkDir);
        Assert.Equal("r.json", report);
    }

    [Fact]
    public void Clock_steps_are_off_by_default_and_read_in_seconds()
    {
        Assert.Equal(TimeSpan.Zero, Read().Options.ClockSteps);
        Assert.Equal(TimeSpan.FromSeconds(15), Read("--clock-steps", "15").Options.ClockSteps);
    }

    [Fact]
    public void Negative_clock_steps_are_refused_naming_the_option()
    {
        var commandLine = new ChaosCommandLine();
        var error = Assert.Throws<ArgumentException>(() => commandLine.Read(commandLine.Command.Parse(["--clock-steps", "-1"])));
        Assert.Contains("--clock-steps", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--silos", "many")]
    [InlineData("--store-delay", "fast")]
    [InlineData("--appendfsync", "sometimes")]
    [InlineData("--unknown", "1")]
    public void A_value_it_cannot_read_is_a_parse_error(string option, string value) =>
        Assert.NotEmpty(new ChaosCommandLine().Command.Parse([option, value]).Errors);

    [Fact]
    public void Values_that_make_no_sense_together_are_refused_naming_them()
    {
        var commandLine = new ChaosCommandLine();
        var error = Assert.Throws<ArgumentException>(() => commandLine.Read(commandLine.Command.Parse(["--due-min", "5", "--due-max", "1"])));
        Assert.Contains("--due-min", error.Message, StringComparison.Ordinal);
    }
}
