namespace EchoAtTime.Grains.Output;

/// <summary>
/// Where due messages go, as the slot grain sees it. The returned task completes once the batch is
/// written and flushed as a whole; it faults with <see cref="ConsoleStalledException"/> when the
/// console did not take it in time, so a stuck console never holds a grain turn unbounded.
/// </summary>
public interface IEchoSink
{
    ValueTask WriteAsync(IReadOnlyList<EchoLine> batch);
}
