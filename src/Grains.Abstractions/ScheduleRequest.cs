namespace EchoAtTime;

/// <summary>A validated message on its way to its slot: due time in epoch ms (already clamped to now) and text.</summary>
[GenerateSerializer, Immutable]
[Alias("EchoAtTime.ScheduleRequest")]
public sealed record ScheduleRequest([property: Id(0)] long DueMs, [property: Id(1)] string Message);
