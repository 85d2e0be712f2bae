using StackExchange.Redis;

namespace EchoAtTime.Grains.Storage;

/// <summary>What an activation reads when it takes over a slot.</summary>
public sealed record SlotSnapshot(long Version, long PrintedCursor, long PrintingCursor, bool Closed, RedisValue[] Elements);

/// <summary>Outcome of trying to drain a slot.</summary>
public enum DrainOutcome
{
    Drained,
    Fenced,
    UnseenMessages,
}

/// <summary>Outcome of an append: the sequences given, or why the slot refused.</summary>
public sealed record AppendResult(int[] Seqs, bool IsClosed, int? FloorOffsetMs)
{
    public static AppendResult Closed { get; } = new([], true, null);

    public static AppendResult Appended(int[] seqs) => new(seqs, false, null);

    public static AppendResult BelowFloor(int floorOffsetMs) => new([], false, floorOffsetMs);
}
