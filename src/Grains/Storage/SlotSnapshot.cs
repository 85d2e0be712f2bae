using StackExchange.Redis;

namespace EchoAtTime.Grains.Storage;

/// <summary>What an activation reads when it takes over a slot; <c>Epochs</c> is the minute's "seq:epoch,…" record.</summary>
public sealed record SlotSnapshot(long Version, long PrintedCursor, long PrintingCursor, bool Closed, RedisValue[] Elements, int[] Canceled, string? Epochs = null);

/// <summary>
/// What a fenced commit returns: whether it declared the caller's batch as printing, the elements
/// appended beyond what was loaded, and every canceled sequence.
/// </summary>
public sealed record CommitResult(bool Declared, RedisValue[] Unseen, int[] Canceled, string? Epochs = null);

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
public sealed record AppendResult(int[] Seqs, bool IsClosed, int? FloorOffsetMs, ScheduleResult?[]? Repeats = null, string? Epoch = null, string? Epochs = null)
{
    public static AppendResult Closed { get; } = new([], true, null);

    /// <summary>Stored: the sequences, under <paramref name="epoch"/>; <paramref name="epochs"/> is the minute's record after the append.</summary>
    public static AppendResult Appended(int[] seqs, string epoch, string? epochs, ScheduleResult?[]? repeats = null) => new(seqs, false, null, repeats, epoch, epochs);

    public static AppendResult BelowFloor(int floorOffsetMs) => new([], false, floorOffsetMs);
}
