using EchoAtTime.Grains.Output;
using EchoAtTime.Simulate.Gate;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// A silo's console: a batch reaches it only when a step releases the write, so a printer can die
/// between the commit that declared a batch and the console. A line counts as printed at the store's time the
/// product wrote it (a console takes a line at once unless it stalls): time that passes before the release is the
/// console's, and must not hide a line handed over before it was due.
/// </summary>
internal sealed class SimSink(SimWorld world, string silo) : IEchoSink
{
    public ValueTask WriteAsync(IReadOnlyList<EchoLine> batch)
    {
        var lane = $"{silo}/{SimContext.Operation ?? "console"}";
        var lines = batch.ToArray();
        var writtenMs = world.NowMs;
        return new ValueTask(world.Gate.Enqueue(lane, $"Console({lines.Length} lines from {lines[0].Id})", () =>
        {
            foreach (var line in lines)
            {
                world.Printed.Add(new PrintedRecord(silo, line.Id, line.Message, writtenMs, line.Redelivered));
            }

            return Task.FromResult(true);
        }));
    }
}
