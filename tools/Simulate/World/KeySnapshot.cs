using StackExchange.Redis;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// One key as a store keeps it across a crash, by type, so it restores on Redis and Garnet alike
/// (Garnet's DUMP covers strings only): strings, lists, hashes, sets and sorted sets, with their time to live.
/// </summary>
internal sealed record KeySnapshot(RedisKey Key, RedisType Type, RedisValue Text, RedisValue[] Items, HashEntry[] Fields, SortedSetEntry[] Scored, TimeSpan? Ttl)
{
    public static KeySnapshot Read(IDatabase db, RedisKey key)
    {
        var type = db.KeyType(key);
        return new KeySnapshot(
            key,
            type,
            type == RedisType.String ? db.StringGet(key) : RedisValue.Null,
            type switch { RedisType.List => db.ListRange(key), RedisType.Set => db.SetMembers(key), _ => [] },
            type == RedisType.Hash ? db.HashGetAll(key) : [],
            type == RedisType.SortedSet ? db.SortedSetRangeByRankWithScores(key) : [],
            db.KeyTimeToLive(key));
    }

    public void Restore(IDatabase db)
    {
        switch (Type)
        {
            case RedisType.String:
                db.StringSet(Key, Text);
                break;
            case RedisType.List:
                db.ListRightPush(Key, Items);
                break;
            case RedisType.Set:
                db.SetAdd(Key, Items);
                break;
            case RedisType.Hash:
                db.HashSet(Key, Fields);
                break;
            case RedisType.SortedSet:
                db.SortedSetAdd(Key, Scored);
                break;
            default:
                return;
        }

        if (Ttl is { } ttl)
        {
            db.KeyExpire(Key, ttl);
        }
    }
}
