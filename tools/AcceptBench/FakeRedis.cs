using System.Collections.Concurrent;
using System.Reflection;
using StackExchange.Redis;

namespace EchoAtTime.AcceptBench;

/// <summary>
/// A Redis that answers the accept path's two scripts as a real one would and does nothing else: the pending index's
/// add (a count) and the group-committed append (the store epoch, then per minute its new length and epoch record).
/// Built with <see cref="DispatchProxy"/>, so each interface has only what the path calls; anything else throws,
/// which tells a benchmark that the path changed under it.
/// </summary>
public class FakeRedis : DispatchProxy
{
    private const string Epoch = "0badcafe";
    private readonly ConcurrentDictionary<RedisKey, long> _lengths = new();
    private IDatabase? _database;
    private IServer? _server;
    private FakeRedis? _owner;
    private long _calls;

    /// <summary>Script calls answered so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    public static (IConnectionMultiplexer Multiplexer, FakeRedis Fake) Create()
    {
        var multiplexer = Create<IConnectionMultiplexer, FakeRedis>();
        var fake = (FakeRedis)(object)multiplexer;
        fake._database = Create<IDatabase, FakeRedis>();
        ((FakeRedis)(object)fake._database).Share(fake);
        fake._server = Create<IServer, FakeRedis>();
        return (multiplexer, fake);
    }

    private void Share(FakeRedis owner) => _owner = owner;

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return targetMethod.Name switch
        {
            nameof(IConnectionMultiplexer.GetDatabase) => _database,
            nameof(IConnectionMultiplexer.GetServers) => new[] { _server! },
            nameof(IConnectionMultiplexer.GetServer) => _server,
            "get_IsConnected" => true,
            "get_ServerType" => ServerType.Standalone,
            nameof(IDatabase.ScriptEvaluateAsync) when args is [string, RedisKey[] keys, RedisValue[] values, ..] =>
                Task.FromResult((_owner ?? this).Evaluate(keys, values)),
            _ => throw new NotSupportedException($"The accept path now calls {targetMethod.DeclaringType?.Name}.{targetMethod.Name}: teach FakeRedis it."),
        };
    }

    private RedisResult Evaluate(RedisKey[] keys, RedisValue[] values)
    {
        Interlocked.Increment(ref _calls);
        if (((string?)keys[0])!.Contains("{slots}", StringComparison.Ordinal))
        {
            // The pending index: how many minutes it gained.
            return RedisResult.Create((RedisValue)0);
        }

        // append.lua: per minute (list, meta) keys; ARGV per minute count, min offset, open-until, the elements.
        var replies = new RedisResult[1 + keys.Length];
        replies[0] = RedisResult.Create((RedisValue)Epoch);
        var a = 0;
        for (var k = 0; k < keys.Length; k += 2)
        {
            var count = (long)values[a];
            a += 3 + (int)count;
            var length = _lengths.AddOrUpdate(keys[k], count, (_, old) => old + count);
            replies[k + 1] = RedisResult.Create((RedisValue)length);
            replies[k + 2] = RedisResult.Create((RedisValue)("0:" + Epoch));
        }

        return RedisResult.Create(replies);
    }
}
