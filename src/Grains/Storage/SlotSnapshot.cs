using StackExchange.Redis;

namespace EchoAtTime.Grains.Storage;

/// <summary>What an activation reads when it takes over a slot.</summary>
public sealed record SlotSnapshot(long Version, long PrintedCursor, long PrintingCursor, bool Closed, RedisValue[] Elements, int[] Canceled);

/// <summary>
/// What a fenced commit returns: whether it declared the caller's batch as printing, the elements
/// appended beyond what was loaded, and every canceled sequence.
/// </summary>
public sealed record CommitResult(bool Declared, RedisValue[] Unseen, int[] Canceled);

/// <summary>Outcome of trying to drain a slot.</summary>
public enum DrainOutcome
{
    Drained,
    Fenced,
    UnseenMessages,
}

/// <summary>
/// Outcome of an append: per element the sequence given (or, for an idempotency key seen before,
/// the original id or a conflict), or why the slot refused the whole append.
/// </summary>
public sealed record AppendResult(int[] Seqs, bool IsClosed, int? FloorOffsetMs, ScheduleResult?[]? Repeats = null)
{
    public static AppendResult Closed { get; } = new([], true, null);

    public static AppendResult Appended(int[] seqs, ScheduleResult?[]? repeats = null) => new(seqs, false, null, repeats);

    public static AppendResult BelowFloor(int floorOffsetMs) => new([], false, floorOffsetMs);
}
