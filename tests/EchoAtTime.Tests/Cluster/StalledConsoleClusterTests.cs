using EchoAtTime.Storage;
using EchoAtTime.Api.Accept;
using EchoAtTime.Grains;
using EchoAtTime.Grains.Output;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Cluster;

/// <summary>
/// Two in-process silos, each printing through the production bound (<see cref="BoundedEchoSink"/>,
/// its own <see cref="ConsoleHealth"/>) onto one shared <see cref="CapturingSink"/> that blocks or
/// fails the first batch of a test, whichever silo prints it. The silo whose console is given up
/// is stopped, as its host does on <see cref="ConsoleHealth.Failure"/>; the other prints the slot.
/// Each test owns its cluster: one of its silos ends up stopped.
/// </summary>
public sealed class StalledConsoleClusterTests : IAsyncLifetime
{
    private const int Messages = 200;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private RedisServer Redis { get; } = new();
    private readonly CapturingSink _console = new();
    private readonly EchoOptions _options = new()
    {
        KeyPrefix = $"t{Guid.NewGuid():N}:",
        SweepInterval = TimeSpan.FromMilliseconds(500),
        BatchSize = 64,
        ConsoleTimeout = TimeSpan.FromSeconds(1),
    };

    private InProcessTestCluster _cluster = null!;
    private ConnectionMultiplexer _multiplexer = null!;

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        await Redis.StartAsync();
        _multiplexer = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ServiceId = $"echo-test-{Guid.NewGuid():N}";
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<IConnectionMultiplexer>(_multiplexer);
            silo.Services.AddSingleton<ConsoleHealth>();
            silo.Services.AddSingleton<IEchoSink>(sp => new BoundedEchoSink(_console, sp.GetRequiredService<ConsoleHealth>(), _options.ConsoleTimeout, "test-console"));
            silo.Services.AddSingleton<IOptions<EchoOptions>>(Options.Create(_options));
            silo.Services.AddEchoGrains();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        await _multiplexer.DisposeAsync();
        await Redis.DisposeAsync();
    }

    /// <summary>
    /// Schedules <see cref="Messages"/> messages tagged <paramref name="tag"/>, all due at one time, so the first batch
    /// is a full one.
    /// </summary>
    private async Task ScheduleAsync(string tag)
    {
        var due = NowMs + 1_500;
        var requests = Enumerable.Range(0, Messages).Select(i => new ScheduleRequest(due, $"{tag}{i:D3}")).ToArray();
        var metrics = PrinterViews.Metrics();
        var store = new SlotStore(_multiplexer, Options.Create(_options));
        var writer = new MessageWriter(store, _cluster.Client, metrics, Options.Create(_options), TimeProvider.System);
        var results = await writer.WriteAsync(requests);
        Assert.All(results, r => Assert.Equal(ScheduleOutcome.Accepted, r.Outcome));
    }

    /// <summary>
    /// Waits for a silo's console to be given up, then stops that silo as its host would; returns the survivor's
    /// console health.
    /// </summary>
    private async Task<(string Problem, ConsoleHealth Survivor)> StopTheSiloWhoseConsoleWasGivenUpAsync()
    {
        var silos = _cluster.Silos.ToList();
        var healths = silos.Select(s => s.ServiceProvider.GetRequiredService<ConsoleHealth>()).ToList();
        var first = await Task.WhenAny(healths.Select(h => h.Failure)).WaitAsync(Bound);
        var failed = healths.FindIndex(h => h.Failure == first);
        await _cluster.StopSiloAsync(silos[failed]);
        return (await first, healths[1 - failed]);
    }

    private async Task<List<EchoLine>> WaitForTaggedAsync(string tag, int count) =>
        CapturingSink.Tagged(await _console.WaitForAsync(l => CapturingSink.Tagged(l, tag).Count >= count, Bound), tag);

    [Fact]
    public async Task A_silo_whose_console_blocks_gives_its_slot_up_and_the_other_silo_prints_it_the_declared_batch_flagged()
    {
        var tag = $"{Guid.NewGuid():N}:";
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _console.HoldNextWrite(tag, release.Task);
        try
        {
            await ScheduleAsync(tag);
            await held.WaitAsync(Bound);

            var (problem, survivor) = await StopTheSiloWhoseConsoleWasGivenUpAsync();
            var printed = await WaitForTaggedAsync(tag, Messages);

            // Each once, in order: the held batch never reached the console; the survivor printed it
            // flagged (declared, never confirmed), then the rest unflagged.
            Assert.Contains("has not accepted a batch", problem, StringComparison.Ordinal);
            Assert.True(survivor.IsHealthy);
            Assert.Equal(Enumerable.Range(0, Messages).Select(i => $"{tag}{i:D3}"), printed.Select(l => l.Message));
            var flagged = printed.TakeWhile(l => l.Redelivered).Count();
            Assert.InRange(flagged, 1, _options.BatchSize);
            Assert.All(printed.Skip(flagged), l => Assert.False(l.Redelivered));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task A_silo_whose_console_fails_gives_its_slot_up_and_the_other_silo_prints_it_the_declared_batch_flagged()
    {
        var tag = $"{Guid.NewGuid():N}:";
        _console.FailWrites(tag, times: 1);
        await ScheduleAsync(tag);

        var (problem, survivor) = await StopTheSiloWhoseConsoleWasGivenUpAsync();

        // Half the failed batch reached the console; the survivor prints that whole batch again,
        // flagged, then the rest, unflagged. The failed console is never written to again.
        var declared = _options.BatchSize;
        var printed = await WaitForTaggedAsync(tag, declared / 2 + Messages);
        Assert.Contains("failed to write", problem, StringComparison.Ordinal);
        Assert.True(survivor.IsHealthy);
        var expected = Enumerable.Range(0, declared / 2).Select(i => (i, false))
            .Concat(Enumerable.Range(0, declared).Select(i => (i, true)))
            .Concat(Enumerable.Range(declared, Messages - declared).Select(i => (i, false)))
            .Select(x => ($"{tag}{x.i:D3}", x.Item2));
        Assert.Equal(expected, printed.Select(l => (l.Message, l.Redelivered)));
    }
}
