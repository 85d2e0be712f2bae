namespace EchoAtTime;

/// <summary>
/// A validated message on its way to its slot: due time in epoch ms (already clamped to now) and
/// text; with an idempotency key, the fingerprint of what was asked (time as requested, message),
/// so a repeat is recognised and a different request under the same key is refused. Once the key is
/// reserved, <see cref="Nonce"/> names the reservation and <see cref="ReservedSlot"/> the minute it
/// points at: a keyed message goes there first, whatever its due time, so a repeat finds the original.
/// <see cref="ExpireAfterMs"/> (0 = none) is the message's deadline after its due time: past it, it
/// is marked expired instead of printed. <see cref="KeyRetentionSeconds"/> (0 = <c>Echo:Retention</c>) is how long the
/// key's reservation lasts: a schedule's occurrences need it only while a materialisation can be repeated.
/// <see cref="ReservationNonce"/>, when set, is the nonce a new reservation of the key takes instead of a fresh one: a
/// move's arrival reserves under its attempt, so that a recovery finds what it stored though the store lost the key.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("EchoAtTime.ScheduleRequest")]
public sealed record ScheduleRequest(
    [property: Id(0)] long DueMs,
    [property: Id(1)] string Message,
    [property: Id(2)] string? IdempotencyKey = null,
    [property: Id(3)] string? Fingerprint = null,
    [property: Id(4)] string? Nonce = null,
    [property: Id(5)] long ReservedSlot = 0,
    [property: Id(6)] long ExpireAfterMs = 0,
    [property: Id(7)] long KeyRetentionSeconds = 0,
    [property: Id(8)] string? ReservationNonce = null);
