using Orleans.Concurrency;
using System.Collections.Immutable;

namespace EchoAtTime;

/// <summary>
/// Owner of one minute of due time (the grain key is the Unix minute, see <see cref="TimeSlot"/>):
/// it writes accepted messages to Redis and prints them, in order, when they are due.
/// </summary>
[Alias("EchoAtTime.ITimeSlotGrain")]
public interface ITimeSlotGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Makes the messages durable and returns their results, in request order, once they are in
    /// Redis. Messages whose due time lies before the grain's clock are scheduled for now, which may
    /// move them to a later slot.
    /// </summary>
    [Alias("Schedule")]
    Task<ImmutableArray<ScheduleResult>> Schedule(ImmutableArray<ScheduleRequest> messages);

    [Alias("GetStatus")]
    Task<MessageStatus> GetStatus(MessageId id);

    [Alias("Cancel")]
    Task<CancelOutcome> Cancel(MessageId id);

    /// <summary>A nudge: load and print whatever is due, or clean up when drained. Fire and forget.</summary>
    [Alias("Wake"), OneWay]
    Task Wake();
}
