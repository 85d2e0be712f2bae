using System.Diagnostics;
using EchoAtTime.Tests.Infrastructure;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The fault proxy between StackExchange.Redis and a private redis-server: it changes nothing unless
/// told to, and each fault does exactly what the storage tests built on it rely on.
/// </summary>
public sealed class RedisFaultProxyTests
{
    // Only a safety net: every wait below ends on an event; this bounds a broken proxy.
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Commands_and_replies_pass_through_unchanged_and_are_seen_decoded()
    {
        await using var redis = await ProxiedRedis.StartAsync();
        var db = (await redis.ConnectThroughProxyAsync()).GetDatabase();
        var key = redis.Key("plain");
        // Larger than the proxy's buffers and a socket read, in both directions.
        var large = new string('x', 300_000);
        const string script = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])";
        var scriptKey = redis.Key("scripted");

        Assert.True(await db.StringSetAsync(key, "value"));
        Assert.Equal("value", (string?)await db.StringGetAsync(key));
        Assert.True(await db.StringSetAsync(redis.Key("large"), large));
        Assert.Equal(large, (string?)await db.StringGetAsync(redis.Key("large")));
        Assert.Equal("from-lua", (string?)await db.ScriptEvaluateAsync(script, [scriptKey], ["from-lua"]));

        Assert.Equal("from-lua", (string?)await redis.Direct.StringGetAsync(scriptKey));
        var seen = redis.Proxy.Seen;
        Assert.Contains(seen, c => c.Name == "SET" && c.Args.SequenceEqual([key, "value"]));
        Assert.Contains(seen, c => c.Name == "SET" && c.Args.Count >= 2 && c.Args[1] == large);
        Assert.Contains(seen, c => c.Name is "EVAL" or "EVALSHA" && c.IsScriptOn(scriptKey) && c.ScriptKeys.SequenceEqual([scriptKey]));
    }

    [Fact]
    public async Task A_dropped_reply_fails_the_client_though_redis_ran_the_command_once_and_the_client_reconnects()
    {
        await using var redis = await ProxiedRedis.StartAsync();
        var client = await redis.ConnectThroughProxyAsync(timeoutMs: 2000);
        var db = client.GetDatabase();
        var key = redis.Key("counter");
        var restored = InteractiveRestored(client);
        var dropped = redis.Proxy.DropReplyToNext(c => c.Name == "INCR" && c.Args[0] == key);

        var failure = await Record.ExceptionAsync(() => db.StringIncrementAsync(key));

        Assert.True(failure is RedisConnectionException or RedisTimeoutException, $"The INCR did not fail as a lost reply: {failure}");
        Assert.Equal(key, (await dropped.WaitAsync(Safety)).Args[0]);
        Assert.Equal(1, (long)await redis.Direct.StringGetAsync(key));
        await restored.WaitAsync(Safety);
        Assert.Equal(2, await db.StringIncrementAsync(key));
    }

    [Fact]
    public async Task A_dropped_reply_to_a_script_matched_by_its_key_leaves_the_script_run_once()
    {
        await using var redis = await ProxiedRedis.StartAsync();
        var client = await redis.ConnectThroughProxyAsync(timeoutMs: 2000);
        var db = client.GetDatabase();
        var key = redis.Key("scripted-counter");
        const string script = "return redis.call('INCR', KEYS[1])";
        // Once through first, so the script is cached in Redis: the dropped one runs whether the
        // client sends it as EVAL or as EVALSHA.
        Assert.Equal(1, (long)await db.ScriptEvaluateAsync(script, [key]));
        var restored = InteractiveRestored(client);
        var dropped = redis.Proxy.DropReplyToNext(c => c.IsScriptOn(key));

        var failure = await Record.ExceptionAsync(() => db.ScriptEvaluateAsync(script, [key]));

        Assert.True(failure is RedisConnectionException or RedisTimeoutException, $"The script did not fail as a lost reply: {failure}");
        Assert.Contains((await dropped.WaitAsync(Safety)).Name, new[] { "EVAL", "EVALSHA" });
        Assert.Equal(2, (long)await redis.Direct.StringGetAsync(key));
        await restored.WaitAsync(Safety);
        Assert.Equal(3, (long)await db.ScriptEvaluateAsync(script, [key]));
    }

    [Fact]
    public async Task A_hold_after_a_command_puts_a_direct_write_between_two_pipelined_commands()
    {
        await using var redis = await ProxiedRedis.StartAsync();
        var db = (await redis.ConnectThroughProxyAsync()).GetDatabase();
        var key = redis.Key("between");
        await redis.Direct.StringSetAsync(key, "before");
        var holding = redis.Proxy.HoldAfterNext(c => c.Name == "GET" && c.Args[0] == key);

        var first = db.StringGetAsync(key);
        var second = db.StringGetAsync(key);
        var hold = await holding.WaitAsync(Safety);
        await redis.Direct.StringSetAsync(key, "after");
        Assert.False(second.IsCompleted, "The second GET was answered during the hold.");
        hold.Release();

        Assert.Equal("before", (string?)await first);
        Assert.Equal("after", (string?)await second);
    }

    [Fact]
    public async Task A_black_hole_times_commands_out_and_ending_it_lets_later_commands_succeed()
    {
        await using var redis = await ProxiedRedis.StartAsync();
        // 2 s like the tests above: 500 ms timed the GET after the hole out once when CI's garnet pass
        // stalled this box for 940 ms; the test proves the timeout, not how short it is.
        var client = await redis.ConnectThroughProxyAsync(timeoutMs: 2000);
        var db = client.GetDatabase();
        var key = redis.Key("after-black-hole");
        await db.PingAsync();
        var restored = InteractiveRestored(client);

        redis.Proxy.BlackHole(true);
        await Assert.ThrowsAsync<RedisTimeoutException>(() => db.StringSetAsync(key, "lost"));
        Assert.False(await redis.Direct.KeyExistsAsync(key), "The black hole forwarded the SET.");
        redis.Proxy.BlackHole(false);

        await restored.WaitAsync(Safety);
        Assert.True(await db.StringSetAsync(key, "kept"));
        Assert.Equal("kept", (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public async Task Delayed_replies_arrive_no_sooner_than_the_delay()
    {
        await using var redis = await ProxiedRedis.StartAsync();
        var db = (await redis.ConnectThroughProxyAsync()).GetDatabase();
        var delay = TimeSpan.FromMilliseconds(300);
        await db.PingAsync();

        redis.Proxy.DelayReplies(delay);
        var clock = Stopwatch.StartNew();
        await db.PingAsync();
        var elapsed = clock.Elapsed;
        redis.Proxy.DelayReplies(TimeSpan.Zero);

        Assert.True(elapsed >= delay, $"The PING was answered after {elapsed}, sooner than the {delay} delay.");
        await db.PingAsync();
    }

    private static Task InteractiveRestored(IConnectionMultiplexer client)
    {
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                restored.TrySetResult();
            }
        };
        return restored.Task;
    }

    /// <summary>
    /// A private redis-server, the proxy in front of it, and a direct connection that sees the truth.
    /// </summary>
    private sealed class ProxiedRedis : IAsyncDisposable
    {
        private readonly RedisServer _server = new();
        private readonly List<ConnectionMultiplexer> _clients = [];
        private readonly string _prefix = $"proxy{Guid.NewGuid():N}:";
        private ConnectionMultiplexer? _direct;

        private ProxiedRedis() => Proxy = new RedisFaultProxy(_server.Port);

        public RedisFaultProxy Proxy { get; }

        public IDatabase Direct => (_direct ?? throw new InvalidOperationException("Not started.")).GetDatabase();

        public static async Task<ProxiedRedis> StartAsync()
        {
            var redis = new ProxiedRedis();
            try
            {
                await redis._server.StartAsync();
                await redis.Proxy.StartAsync();
                redis._direct = await ConnectionMultiplexer.ConnectAsync(redis._server.ConnectionString);
                return redis;
            }
            catch
            {
                await redis.DisposeAsync();
                throw;
            }
        }

        public string Key(string name) => _prefix + name;

        public async Task<ConnectionMultiplexer> ConnectThroughProxyAsync(int timeoutMs = 5000)
        {
            var client = await ConnectionMultiplexer.ConnectAsync($"{Proxy.ConnectionString},syncTimeout={timeoutMs},asyncTimeout={timeoutMs}");
            _clients.Add(client);
            Assert.True(client.IsConnected, "The client did not connect through the proxy.");
            return client;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _clients)
            {
                await client.DisposeAsync();
            }

            if (_direct is not null)
            {
                await _direct.DisposeAsync();
            }

            await Proxy.DisposeAsync();
            await _server.DisposeAsync();
        }
    }
}
