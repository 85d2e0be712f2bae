using System.Net;
using System.Net.Sockets;
using System.Text;
using EchoAtTime.Silo;
using EchoAtTime.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The embedded store keeps what it acknowledged or refuses to start: records past its log memory
/// are read back from disk, also after a restart; a damaged checkpoint stops the start with a
/// sentence naming the data directory and what to do; only this process knows its password.
/// </summary>
public sealed class EmbeddedStoreRecoveryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("echo-embedded-recovery-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private EmbeddedStore Start(string logMemory = GarnetCommandLine.DefaultLogMemory) =>
        EmbeddedStore.Start(_dir, 0, commitWait: true, NullLoggerFactory.Instance, logMemory);

    private static Task<ConnectionMultiplexer> ConnectAsync(EmbeddedStore store) =>
        ConnectionMultiplexer.ConnectAsync(ConfigurationOptions.Parse(store.ConnectionString + ",allowAdmin=true"));

    private static string Value(int i) => $"{i}:{new string((char)('a' + (i % 26)), 1_000)}";

    /// <summary>
    /// A store of 2 000 keys whose checkpoint holds the first 1 900: only the last 100 are in the log after it.
    /// </summary>
    private async Task WriteAndCheckpointAsync()
    {
        using var store = Start();
        await using var redis = await ConnectAsync(store);
        var db = redis.GetDatabase();
        await Task.WhenAll(Enumerable.Range(0, 1_900).Select(i => db.StringSetAsync($"k{i}", Value(i))));
        await db.ExecuteAsync("SAVE"); // a checkpoint, written before the reply
        await Task.WhenAll(Enumerable.Range(1_900, 100).Select(i => db.StringSetAsync($"k{i}", Value(i))));
    }

    /// <summary>
    /// The checkpoint's files by name (Garnet: checkpoints/Store/checkpoints/{index,cpr}-checkpoints/{token}/…).
    /// </summary>
    private string CheckpointFile(string kind, string name) =>
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, "checkpoints"), name, SearchOption.AllDirectories), f => f.Contains($"/{kind}-checkpoints/", StringComparison.Ordinal));

    [Fact]
    public async Task Strings_and_lists_written_past_the_log_memory_are_all_read_back_and_are_still_there_after_a_restart()
    {
        // 3 000 strings of 1 KB and 300 lists of 20 elements of 100 bytes: about 4 times the 1 MB of log memory.
        async Task AssertAllThereAsync(IDatabase db)
        {
            var values = await Task.WhenAll(Enumerable.Range(0, 3_000).Select(i => db.StringGetAsync($"k{i}")));
            Assert.Equal(Enumerable.Range(0, 3_000).Select(Value), values.Select(v => (string?)v));
            var lists = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => db.ListRangeAsync($"l{i}")));
            Assert.All(Enumerable.Range(0, 300), i => Assert.Equal(20, lists[i].Length));
        }

        using (var store = Start(logMemory: "1m"))
        {
            await using var redis = await ConnectAsync(store);
            var db = redis.GetDatabase();
            await Task.WhenAll(Enumerable.Range(0, 3_000).Select(i => db.StringSetAsync($"k{i}", Value(i))));
            await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
                db.ListRightPushAsync($"l{i}", Enumerable.Range(0, 20).Select(j => (RedisValue)$"{i}.{j}:{new string('x', 100)}").ToArray())));
            await AssertAllThereAsync(db);
        }

        using (var store = Start(logMemory: "1m"))
        {
            await using var redis = await ConnectAsync(store);
            await AssertAllThereAsync(redis.GetDatabase());
        }
    }

    [Fact]
    public async Task A_store_whose_checkpoint_was_truncated_is_refused_naming_the_data_directory_and_how_to_recover()
    {
        await WriteAndCheckpointAsync();
        var index = CheckpointFile("index", "ht.dat.0");
        using (var file = File.OpenWrite(index))
        {
            file.SetLength(1_000);
        }

        var refused = Assert.Throws<InvalidOperationException>(() => Start().Dispose());

        Assert.Contains($"Echo:DataDir {_dir} can't be recovered whole", refused.Message, StringComparison.Ordinal);
        Assert.Contains("restore it from a backup, or start on an empty Echo:DataDir", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Fact]
    public async Task The_data_directory_is_not_locked_by_a_refused_start_and_starts_again_once_restored()
    {
        await WriteAndCheckpointAsync();
        var info = CheckpointFile("cpr", "info.dat.0");
        var original = await File.ReadAllBytesAsync(info);
        await File.WriteAllBytesAsync(info, [.. original.Select(b => (byte)'X')]);
        Assert.Throws<InvalidOperationException>(() => Start().Dispose());

        await File.WriteAllBytesAsync(info, original);
        using var store = Start();
        await using var redis = await ConnectAsync(store);
        Assert.Equal(2_000, await redis.GetServers()[0].DatabaseSizeAsync());
    }

    [Fact]
    public async Task Only_the_connection_string_of_this_start_gets_in_and_each_start_has_a_password_of_its_own()
    {
        string first;
        using (var store = Start())
        {
            first = store.ConnectionString;
            // Any other local client, as MONITOR or FLUSHALL would come: refused before any command runs.
            using var anonymous = new TcpClient();
            await anonymous.ConnectAsync(IPAddress.Loopback, store.Port);
            await anonymous.GetStream().WriteAsync("*1\r\n$7\r\nFLUSHDB\r\n"u8.ToArray());
            var reply = new byte[128];
            var read = await anonymous.GetStream().ReadAsync(reply);
            Assert.StartsWith("-NOAUTH", Encoding.ASCII.GetString(reply, 0, read), StringComparison.Ordinal);
        }

        using var second = Start();
        Assert.NotEqual(first, second.ConnectionString);
        await using var redis = await ConnectAsync(second);
        Assert.True(await redis.GetDatabase().StringSetAsync("k", "v"));
    }
}
