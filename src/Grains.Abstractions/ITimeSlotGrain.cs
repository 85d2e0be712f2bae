using Orleans.Concurrency;

namespace EchoAtTime;

/// <summary>
/// The printer of one minute of due time (the grain key is the Unix minute, see <see cref="TimeSlot"/>):
/// it prints the minute's messages, in order, when they are due. It is not on the accept path:
/// whichever silo or gateway takes a request appends to the minute's Redis keys itself.
/// </summary>
[Alias("EchoAtTime.ITimeSlotGrain")]
public interface ITimeSlotGrain : IGrainWithIntegerKey
{
    /// <summary>A nudge: load and print whatever is due, or clean up when drained. Fire and forget.</summary>
    [Alias("Wake"), OneWay]
    Task Wake();

    /// <summary>
    /// A notice from a writer: messages were appended to this minute, the earliest due at
    /// <paramref name="earliestDueMs"/>. A printer that would look again before then ignores it (its
    /// next commit brings them); otherwise it reads what it has not seen. Fire and forget: a lost
    /// notice costs at most one sweep interval.
    /// </summary>
    [Alias("CheckAppended"), OneWay]
    Task CheckAppended(long earliestDueMs);
}
