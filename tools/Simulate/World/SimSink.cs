using EchoAtTime.Grains.Output;
using EchoAtTime.Simulate.Gate;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// A silo's console: a batch reaches it only when a step releases the write, so a printer can die
/// between the commit that declared a batch and the console. Printed at the store's time of release.
/// </summary>
internal sealed class SimSink(SimWorld world, string silo) : IEchoSink
{
    public ValueTask WriteAsync(IReadOnlyList<EchoLine> batch)
    {
        var lane = $"{silo}/{SimContext.Operation ?? "console"}";
        var lines = batch.ToArray();
        return new ValueTask(world.Gate.Enqueue(lane, $"Console({lines.Length} lines from {lines[0].Id})", () =>
        {
            foreach (var line in lines)
            {
                world.Printed.Add(new PrintedRecord(silo, line.Id, line.Message, world.NowMs, line.Redelivered));
            }

            return Task.FromResult(true);
        }));
    }
}
