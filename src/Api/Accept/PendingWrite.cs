using EchoAtTime.Storage;
using StackExchange.Redis;

namespace EchoAtTime.Api.Accept;

/// <summary>
/// One message on the write path: the request as routed, the time it is due now (later than asked
/// once a minute could not take it: the time passed, the minute closed, or its printer got further),
/// and what became of it. The layers hand each other an array of these and change it in place: one
/// array instead of one per part, and a message's parts cannot drift apart.
/// </summary>
internal record struct PendingWrite(ScheduleRequest Request)
{
    public long DueMs { get; set; } = Request.DueMs;

    /// <summary>Stored, found stored before, or refused for its key; default while none of these.</summary>
    public ScheduleResult Result { get; set; }

    /// <summary>
    /// A keyed message its reservation's minute let go (never to store it): it goes on to a later one.
    /// </summary>
    public bool MovedOn { get; set; }

    public readonly bool HasResult => Result != default;

    public readonly bool IsKeyed => Request.Nonce is not null;

    /// <summary>The request again, due when it is due now: for the minute it moves on to.</summary>
    public readonly ScheduleRequest Rerouted() => Request with { DueMs = DueMs };

    /// <summary>The message's element in its minute's list, at its due time.</summary>
    public readonly RedisValue Element() =>
        SlotElement.Encode(TimeSlot.OffsetMs(DueMs), Request.Message, Request.ExpireAfterMs);

    public static PendingWrite[] Of(IReadOnlyList<ScheduleRequest> requests)
    {
        var writes = new PendingWrite[requests.Count];
        for (var i = 0; i < writes.Length; i++)
        {
            writes[i] = new PendingWrite(requests[i]);
        }

        return writes;
    }

    public static ScheduleResult[] Results(PendingWrite[] writes) => Array.ConvertAll(writes, w => w.Result);
}
