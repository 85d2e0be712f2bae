namespace EchoAtTime;

/// <summary>What became of one message of a <see cref="ITimeSlotGrain.Schedule"/> call.</summary>
[GenerateSerializer, Immutable]
[Alias("EchoAtTime.ScheduleResult")]
public readonly record struct ScheduleResult([property: Id(0)] MessageId Id, [property: Id(1)] ScheduleOutcome Outcome)
{
    public static ScheduleResult Unavailable { get; } = new(default, ScheduleOutcome.Unavailable);
}

public enum ScheduleOutcome
{
    /// <summary>Newly accepted.</summary>
    Accepted,

    /// <summary>
    /// Its idempotency key was seen before with the same request: <see cref="ScheduleResult.Id"/> is the original.
    /// </summary>
    Repeated,

    /// <summary>Its idempotency key was seen before with a different request; nothing was scheduled.</summary>
    KeyConflict,

    /// <summary>
    /// The store did not carry it out (unreachable, its script failed, or its replicas did not acknowledge it): not
    /// accepted, answered 503. Only the messages of the failed store call: the rest of a request answers as stored.
    /// </summary>
    Unavailable,
}
