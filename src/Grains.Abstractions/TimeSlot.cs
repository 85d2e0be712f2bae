namespace EchoAtTime;

/// <summary>
/// A slot is one Unix minute of due time; each slot is owned by one <see cref="ITimeSlotGrain"/>.
/// </summary>
public static class TimeSlot
{
    public const long LengthMs = 60_000;

    public static long Of(long dueMs) => Math.DivRem(dueMs, LengthMs, out var rem) - (rem < 0 ? 1 : 0);

    public static long StartMs(long slot) => slot * LengthMs;

    public static long EndMs(long slot) => (slot + 1) * LengthMs;

    public static int OffsetMs(long dueMs) => (int)(dueMs - StartMs(Of(dueMs)));
}
