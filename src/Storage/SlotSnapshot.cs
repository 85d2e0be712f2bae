using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// What an activation reads when it takes over a slot; <c>Epochs</c> is the minute's "seq:epoch,…" record.
/// </summary>
public sealed record SlotSnapshot(long Version, long PrintedCursor, long PrintingCursor, bool Closed, RedisValue[] Elements, int[] Canceled, string? Epochs = null)
{
    /// <summary>
    /// The epoch of the server that answered the load. A message appended under another one was in the
    /// store before it restarted or failed over, which may have lost the commits that recorded it printed.
    /// </summary>
    public string? StoreEpoch { get; init; }

    /// <summary>
    /// At least how long ago (ms) that server started with the data of its own disk; null when it may have taken
    /// over from another server (a promoted replica), whose last writes nobody can date.
    /// </summary>
    public long? RestartedAgoMs { get; init; }

    /// <summary>
    /// The store epoch of the latest cancel or move out of this minute (meta <c>ce</c>; "" before any): a commit hands
    /// the canceled set over when it is not the view's, as a count alone cannot tell a lost cancel and a new one apart.
    /// </summary>
    public string CanceledUnder { get; init; } = "";
}

/// <summary>
/// What a fenced commit returns: whether it declared the caller's batch as printing, the elements
/// appended beyond what was loaded, and every canceled sequence.
/// </summary>
public sealed record CommitResult(bool Declared, RedisValue[] Unseen, int[] Canceled, string? Epochs = null)
{
    /// <summary>
    /// Refused, changing nothing: the minute's epoch record is not the view's (see <see cref="Reincarnated"/>).
    /// </summary>
    public static CommitResult StoreReincarnated { get; } = new(false, [], []) { Reincarnated = true };

    /// <summary>
    /// The store restarted under the view and the minute's list gained an epoch the view does not
    /// know: a position the view has seen may now hold another message. The caller must reload.
    /// </summary>
    public bool Reincarnated { get; init; }

    /// <summary>The minute's <see cref="SlotSnapshot.CanceledUnder"/> at the commit.</summary>
    public string CanceledUnder { get; init; } = "";
}

/// <summary>Outcome of trying to drain a slot.</summary>
public enum DrainOutcome
{
    Drained,
    Fenced,
    UnseenMessages,

    /// <summary>
    /// The minute's epoch record is not the caller's: reload (see <see cref="CommitResult.Reincarnated"/>).
    /// </summary>
    Reincarnated,
}

/// <summary>
/// Outcome of an append: per element the sequence given (or, for a keyed message, the original id
/// found under its nonce, or that it moved on), or why the slot refused what it did not store.
/// </summary>
public sealed record AppendResult(int[] Seqs, bool IsClosed, int? FloorOffsetMs, ScheduleResult?[]? Repeats = null, string? Epoch = null, string? Epochs = null, bool[]? Moved = null)
{
    /// <summary>
    /// Why this minute's share of a group commit was not carried out (its script failed, or a replica asked for did
    /// not acknowledge it); the other minutes of the flush are answered on their own.
    /// </summary>
    public Exception? Failure { get; init; }

    public static AppendResult Failed(Exception failure) => new([], false, null) { Failure = failure };

    /// <summary>
    /// When the minute refused as closed because it is over by the store's clock: that clock's Unix ms, where a
    /// message due in the past belongs now (a writer's own clock put it here, so it may be far off).
    /// </summary>
    public long? StoreNowMs { get; init; }

    public static AppendResult Closed { get; } = new([], true, null);

    public static AppendResult ClosedAt(long? storeNowMs) => storeNowMs is null ? Closed : new([], true, null) { StoreNowMs = storeNowMs };

    /// <summary>
    /// Stored: the sequences, under <paramref name="epoch"/>; <paramref name="epochs"/> is the minute's record after
    /// the append.
    /// </summary>
    public static AppendResult Appended(int[] seqs, string epoch, string? epochs, ScheduleResult?[]? repeats = null) => new(seqs, false, null, repeats, epoch, epochs);

    public static AppendResult BelowFloor(int floorOffsetMs) => new([], false, floorOffsetMs);
}
