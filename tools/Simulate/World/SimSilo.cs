using EchoAtTime.Api.Accept;
using EchoAtTime.Storage.Clock;
using EchoAtTime.Grains.Slots;
using EchoAtTime.Simulate.Gate;
using EchoAtTime.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// One incarnation of a simulated silo: its own store client (gated, with its own group commit), the
/// product's writer, mover and sweeper, a console, and its clocks. A crash ends the incarnation; the
/// next one starts with nothing in memory, as a restarted process does.
/// </summary>
internal sealed class SimSilo
{
    public SimSilo(SimWorld world, IConnectionMultiplexer real, int index, int incarnation, long startMs)
    {
        Index = index;
        Name = $"s{index}#{incarnation}";
        Wall = new SimClock(startMs);
        var options = Options.Create(world.Options);
        Clock = new ClusterClock(Wall, options);
        Store = new SlotStore(GatedMultiplexer.Create(real, world.Gate, Name), options);
        Grains = SimGrains.Create(world, Name);
        Metrics = SimWorld.Metrics;
        Sink = new SimSink(world, Name);
        // The accept path reads the cluster clock (AcceptClock), as the silo wires it.
        Writer = new MessageWriter(Store, Grains, Metrics, options, Clock);
        Mover = new MessageMover(Store, Writer, Metrics, Clock);
        Sweeper = new SlotSweeper(Store, Grains, Metrics, Clock, options, NullLogger<SlotSweeper>.Instance);
    }

    public int Index { get; }

    public string Name { get; }

    public bool IsAlive { get; private set; } = true;

    public SimClock Wall { get; }

    public ClusterClock Clock { get; }

    public SlotStore Store { get; }

    public IGrainFactory Grains { get; }

    public EchoMetrics Metrics { get; }

    public SimSink Sink { get; }

    /// <summary>What this incarnation printed of its minutes, past their activations (gone with a crash).</summary>
    public SlotPrintMemory PrintMemory { get; } = new();

    public MessageWriter Writer { get; }

    public MessageMover Mover { get; }

    public SlotSweeper Sweeper { get; }

    public long LastMeasuredMs { get; private set; } = long.MinValue;

    private int _operations;

    /// <summary>A name for the next operation this silo starts: its lane at the gate.</summary>
    public string NextOperation(string kind) => $"{kind}{++_operations}";

    /// <summary>
    /// A measurement of the store's clock as StoreClockProbe takes one: the store read <paramref name="storeNowMs"/>
    /// minus the round trip, so the reading is never ahead of the store's.
    /// </summary>
    public void Measure(long storeNowMs, int roundTripMs)
    {
        var storeTime = DateTimeOffset.FromUnixTimeMilliseconds(storeNowMs - roundTripMs);
        Clock.Update(new ClockSample(storeTime - Wall.GetUtcNow(), TimeSpan.FromMilliseconds(roundTripMs), Wall.GetTimestamp(), storeTime));
        LastMeasuredMs = storeNowMs;
    }

    public void Die() => IsAlive = false;
}
