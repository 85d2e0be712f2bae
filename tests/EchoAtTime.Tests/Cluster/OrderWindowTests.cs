using EchoAtTime.Grains.Output;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EchoAtTime.Tests.Cluster;

/// <summary>
/// Order across minutes where the pending index or a writer's clock is wrong: the windows of item 5 of the issue on
/// real faults (docs/guarantees.md), each opened on purpose.
/// </summary>
[Collection(SlotClusterFixture.Name)]
public sealed class OrderWindowTests(SlotClusterFixture fixture)
{
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(30);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string NewTag() => $"{Guid.NewGuid():N}:";

    [Fact]
    public async Task A_minute_whose_index_entry_was_lost_still_prints_before_the_minute_after_it()
    {
        // Both minutes long overdue, as a cluster down for a while finds them; the earlier one's entry in the index
        // lost (a failover of the index's shard before its replica had it). Only the later one is found by the
        // sweep, and its order check must not take "the index has nothing earlier" for "nothing earlier".
        var tag = NewTag();
        var later = TimeSlot.Of(NowMs) - 420 - Random.Shared.Next(60);
        var earlier = later - 1;
        await fixture.WriteUnsweptAsync([earlier, later], async () =>
        {
            await fixture.AppendRawAsync(earlier, (59_000, tag + "earlier"));
            Assert.True(await fixture.Store.RemoveFromIndexAsync(earlier));
            await fixture.AppendRawAsync(later, (1_000, tag + "later"));
        });

        var printed = CapturingSink.Tagged(
            await fixture.Sink.WaitForAsync(lines => CapturingSink.Tagged(lines, tag).Count >= 2, PrintTimeout), tag);

        Assert.Equal([tag + "earlier", tag + "later"], printed.Select(l => l.Message));
        Assert.All(printed, l => Assert.False(l.Redelivered));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_writer_whose_clock_is_minutes_behind_puts_a_message_for_now_at_the_store_s_now_after_what_printed(bool keyed)
    {
        // A gateway's or a stalled writer's "now" three minutes ago: that minute is long printed (or empty and never
        // indexed), and nothing may join it any more, or its message would print after the minutes since.
        var tag = NewTag();
        var slow = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3));
        var printedBefore = tag + "printed";
        await fixture.Writer.WriteAsync([new ScheduleRequest(0, printedBefore)]);
        await fixture.Sink.WaitForAsync(lines => lines.Any(l => l.Message == printedBefore), PrintTimeout);

        var askedAt = NowMs;
        var request = new ScheduleRequest(0, tag + "late", keyed ? Guid.NewGuid().ToString("N") : null, keyed ? "fp" : null);
        var result = (await fixture.WriterWithClock(slow).WriteAsync([request]))[0];

        Assert.Equal(ScheduleOutcome.Accepted, result.Outcome);
        // The store's clock is this machine's: its now, not the writer's three minutes before.
        Assert.InRange(result.Id.DueMs, askedAt - 1_000, NowMs + 1_000);
        var printed = CapturingSink.Tagged(
            await fixture.Sink.WaitForAsync(lines => CapturingSink.Tagged(lines, tag).Count >= 2, PrintTimeout), tag);
        Assert.Equal([printedBefore, tag + "late"], printed.Select(l => l.Message));
        Assert.True(printed[1].Id.DueMs >= printed[0].Id.DueMs);
    }
}
