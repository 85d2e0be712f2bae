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
