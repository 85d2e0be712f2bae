using EchoAtTime.Grains;
using EchoAtTime.Silo;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>The embedded Garnet store that <c>dotnet run</c> uses when no Redis is configured.</summary>
public sealed class EmbeddedStoreTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Scripts_are_atomic_a_damaged_store_is_refused_records_go_to_disk_and_replies_wait_for_the_log_unless_told_not_to(bool commitWait)
    {
        var args = GarnetCommandLine.For("/tmp/x", 1234, commitWait);

        Assert.Contains("--lua", args);
        Assert.Contains("--lua-transaction-mode", args);
        Assert.Contains("--aof", args);
        Assert.Contains("--recover", args);
        Assert.Contains("--fail-on-recovery-error", args);
        Assert.Contains("--storage-tier", args);
        Assert.Equal(Path.Combine("/tmp/x", "log"), args[Array.IndexOf(args, "--logdir") + 1]);
        Assert.Equal("Lookup", args[Array.IndexOf(args, "--compaction-type") + 1]);
        Assert.Equal(commitWait, args.Contains("--aof-commit-wait"));
        Assert.DoesNotContain("--auth", args);
        Assert.Equal(["--auth", "Password", "--password", "pw"], GarnetCommandLine.For("/tmp/x", 1234, commitWait, "pw").TakeLast(4));
    }

    [Theory]
    [InlineData("always")]
    [InlineData("everysec")]
    public void The_test_harness_runs_Garnet_with_the_silos_embedded_settings_but_commit_wait(string appendFsync)
    {
        var harness = new StoreProcess(1234, "/tmp/x", appendFsync, kind: StoreKind.Garnet);

        // No commit wait: with transactional scripts from many sessions Garnet deadlocks
        // (StoreProcess.GarnetArguments).
        Assert.Equal(GarnetCommandLine.For("/tmp/x", 1234, commitWait: false), harness.GarnetArguments());
        Assert.Equal(GarnetCommandLine.For("/tmp/x", 1234, commitWait: false, "pw"), new StoreProcess(1234, "/tmp/x", appendFsync, "pw", StoreKind.Garnet).GarnetArguments());
        Assert.Contains("--lua-transaction-mode", harness.GarnetArguments());
        Assert.DoesNotContain("--aof-commit-wait", harness.GarnetArguments());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Garnet_accepts_those_settings_and_runs_the_slot_scripts(bool commitWait)
    {
        var dir = Directory.CreateTempSubdirectory("echo-embedded-").FullName;
        try
        {
            using (var store = EmbeddedStore.Start(dir, 0, commitWait, NullLoggerFactory.Instance))
            {
                await using var redis = await ConnectionMultiplexer.ConnectAsync(store.ConnectionString);
                var slots = new SlotStore(redis, Options.Create(new EchoOptions { AppendGrace = EarlierRun.AnyMinute }));
                var appended = await slots.AppendAsync(7, Enumerable.Range(0, 2_500).Select(i => SlotElement.Encode(i, $"m{i}")).ToArray(), 0);
                Assert.Equal(2_500, appended.Seqs.Length);
                Assert.Equal(MessageStatus.Scheduled, await slots.StatusAsync(new MessageId(TimeSlot.StartMs(7) + 2_000, appended.Seqs[2_000], appended.Epoch)));
                Assert.Equal(MessageStatus.Unknown, await slots.StatusAsync(new MessageId(TimeSlot.StartMs(7) + 2_000, appended.Seqs[2_000], "00000000")));
                var commit = await slots.CommitAsync(7, 0, SlotCursor.None, 0, SlotCursor.Of(10, 10), 2_500);
                Assert.True(commit!.Declared);
                Assert.Equal(SlotCursor.Of(10, 10), (await slots.LoadAsync(7)).PrintingCursor);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_data_directory_that_cannot_be_created_is_refused_with_a_sentence_saying_what_to_do()
    {
        // Root writes anywhere, so the unwritable directory is one under a file: the image's case is a root-owned /app.
        var file = Path.GetTempFileName();
        try
        {
            var refused = Assert.Throws<InvalidOperationException>(() => EmbeddedStore.Start(Path.Combine(file, "data"), 0, commitWait: true, NullLoggerFactory.Instance).Dispose());

            Assert.Contains($"Echo:DataDir {Path.Combine(file, "data")} can't be created or written", refused.Message, StringComparison.Ordinal);
            Assert.Contains("mount a volume there", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
