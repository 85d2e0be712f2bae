namespace EchoAtTime.Grains.Output;

/// <summary>
/// A console: writes and flushes a batch, blocking the calling thread for as long as the device
/// takes (a full pipe blocks it indefinitely). Only <see cref="BoundedEchoSink"/>'s writer thread
/// calls it, one batch at a time, so implementations need no locking and may keep buffers.
/// </summary>
public interface IEchoConsole
{
    void Write(IReadOnlyList<EchoLine> batch);
}
