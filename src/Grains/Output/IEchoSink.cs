namespace EchoAtTime.Grains.Output;

/// <summary>Where due messages go. A batch is written and flushed as a whole before the call returns.</summary>
public interface IEchoSink
{
    void Write(IReadOnlyList<EchoLine> batch);
}
