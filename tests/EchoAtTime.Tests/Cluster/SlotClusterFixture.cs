using EchoAtTime.Api.Accept;
using EchoAtTime.Grains;
using EchoAtTime.Grains.Output;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Cluster;

/// <summary>
/// Two in-process silos running the real slot grains on a private redis-server, printing into a
/// <see cref="CapturingSink"/>. Membership is in-memory (TestingHost's own); slot data is in Redis.
/// <see cref="Writer"/> is the API's accept path, writing to Redis as a silo or the gateway would.
/// </summary>
public sealed class SlotClusterFixture : IAsyncLifetime
{
    public const string Name = "slot cluster";

    private readonly EchoMetrics _metrics = PrinterViews.Metrics();

    private readonly string _serviceId = $"echo-test-{Guid.NewGuid():N}";

    public RedisServer Redis { get; } = new();

    public CapturingSink Sink { get; } = new();

    public EchoOptions Options { get; } = new()
    {
        KeyPrefix = $"t{Guid.NewGuid():N}:",
        SweepInterval = TimeSpan.FromMilliseconds(500),
        BatchSize = 64,
    };

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IConnectionMultiplexer Multiplexer { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>
    /// Direct access to the store, to set up what an earlier run of the cluster would have left. Its
    /// minutes take appends however long ago they ended (<see cref="EarlierRun"/>).
    /// </summary>
    public SlotStore Store => new(Multiplexer, Microsoft.Extensions.Options.Options.Create(new EchoOptions
    {
        KeyPrefix = Options.KeyPrefix,
        Retention = Options.Retention,
        AppendGrace = EarlierRun.AnyMinute,
    }));

    /// <summary>The accept path of the API (as on a silo or the gateway), over the cluster's client.</summary>
    public MessageWriter Writer => WriterWithClock(TimeProvider.System);

    /// <summary>
    /// The accept path of the API as on a silo or gateway whose machine clock reads <paramref name="clock"/>.
    /// </summary>
    public MessageWriter WriterWithClock(TimeProvider clock) => new(
        new SlotStore(Multiplexer, Microsoft.Extensions.Options.Options.Create(Options)), Cluster.Client, _metrics, Microsoft.Extensions.Options.Options.Create(Options), clock);

    /// <summary>
    /// Appends straight to a slot, as an earlier run of the cluster would have (no notice to the printer).
    /// </summary>
    public Task<AppendResult> AppendRawAsync(long slot, params (int OffsetMs, string Message)[] messages) =>
        Store.AppendAsync(slot, messages.Select(m => SlotElement.Encode(m.OffsetMs, m.Message)).ToArray(), messages.Min(m => m.OffsetMs));

    /// <summary>
    /// Runs <paramref name="write"/> while the cluster cannot see <paramref name="slots"/>: their hours
    /// in the index score far in the future until it is done, then their own hour again (unless the
    /// write removed them). The sweep, the order check and the poke after a drain all read the index
    /// by score up to a bound near now, so none of them finds a hidden hour. What an earlier run left in several steps
    /// (an append then a commit, or three slots one after another) so reaches the cluster at once, as the state a crash
    /// would have left; without it a sweep in between prints a half-written state (a commit fenced, a predecessor
    /// closed before it was written). Only the sweep finds such slots: nobody sends their grains a request.
    /// </summary>
    public async Task WriteUnsweptAsync(IReadOnlyCollection<long> slots, Func<Task> write)
    {
        const double Hidden = 1e12;
        var db = Multiplexer.GetDatabase();
        var keys = new RedisKeys(Options.KeyPrefix);
        var hours = slots.Select(PendingIndex.HourOf).Distinct().ToList();

        // Hidden first: indexing the minutes then keeps their hours' scores (NX).
        await db.SortedSetAddAsync(keys.PendingHours, [.. hours.Select(h => new SortedSetEntry(h, h + Hidden))]);
        await new PendingIndex(Multiplexer, keys).AddAsync(slots);
        await write();
        await db.SortedSetAddAsync(keys.PendingHours, [.. hours.Select(h => new SortedSetEntry(h, h))], SortedSetWhen.Exists);
    }

    public Task InitializeAsync() => Cleanup.StartOrDisposeAsync(StartAsync, DisposeAsync);

    private async Task StartAsync()
    {
        await Redis.StartAsync();
        Multiplexer = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ServiceId = _serviceId;
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(Multiplexer);
            silo.Services.AddSingleton<IEchoSink>(Sink);
            silo.Services.AddSingleton<IOptions<EchoOptions>>(Microsoft.Extensions.Options.Options.Create(Options));
            silo.Services.AddEchoGrains();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>
    /// Stops every silo (the whole cluster is down), runs <paramref name="whileDown"/>, starts two silos again.
    /// </summary>
    public async Task RestartAllSilosAsync(Func<Task> whileDown)
    {
        await Cluster.StopAllSilosAsync();
        await whileDown();
        await Cluster.StartSilosAsync(2);
        await Cluster.InitializeClientAsync();
    }

    /// <summary>
    /// Safe after a failed or partial start (Redis that never answered, a cluster that did not deploy)
    /// and when called twice: each step runs whatever the one before did, so redis-server never outlives it.
    /// </summary>
    public async Task DisposeAsync()
    {
        var (cluster, multiplexer) = (Cluster, Multiplexer);
        (Cluster, Multiplexer) = (null!, null!);
        await Cleanup.RunAllAsync(
            async () =>
            {
                if (cluster is not null)
                {
                    try
                    {
                        await cluster.StopAllSilosAsync();
                    }
                    finally
                    {
                        await cluster.DisposeAsync();
                    }
                }
            },
            async () =>
            {
                if (multiplexer is not null)
                {
                    await multiplexer.DisposeAsync();
                }
            },
            async () => await Redis.DisposeAsync());
    }
}

[CollectionDefinition(SlotClusterFixture.Name)]
public sealed class SlotClusterCollection : ICollectionFixture<SlotClusterFixture>;
