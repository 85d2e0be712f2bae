using EchoAtTime.Api.Http;
using EchoAtTime.Storage;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// The figures of the messages page from a store summary: which minutes show, and the lateness buckets.
/// </summary>
public sealed class MessagesOverviewTests
{
    private const long Slot = 29_923_800;

    [Fact]
    public void Each_batch_of_the_receipts_counts_once_in_the_bucket_below_its_lateness_and_only_minutes_with_messages_show()
    {
        var summary = new MessagesSummary(
            [new MinuteCounts(Slot + 1, 5, 0, 1, 0, 1, ""), new MinuteCounts(Slot + 2, 2, 0, 2, 0, 0, "")],
            [
                new MinuteCounts(Slot - 1, 0, 0, 0, 0, 0, ""),
                new MinuteCounts(Slot, 7, 4, 1, 1, 1, "10.0@0,5.1@3!0.1,100.2@250,1.-1@70000"),
            ]);

        var overview = MessageSummaryEndpoint.Overview(TimeSlot.StartMs(Slot) + 30_000, summary);

        Assert.Equal(EchoTime.Format(TimeSlot.StartMs(Slot) + 30_000), overview.Now);
        Assert.Equal([new PendingMinute(EchoTime.Format(TimeSlot.StartMs(Slot + 1)), 3)], overview.Ahead);
        Assert.Equal([new PastMinute(EchoTime.Format(TimeSlot.StartMs(Slot)), 4, 1, 1, 1, 0)], overview.Past);
        var buckets = overview.Lateness.ToDictionary(b => b.BelowMs ?? long.MaxValue, b => b.Batches);
        Assert.Equal(1, buckets[1]);
        Assert.Equal(1, buckets[5]);
        Assert.Equal(1, buckets[500]);
        Assert.Equal(1, buckets[long.MaxValue]);
        Assert.Equal(4, overview.Lateness.Sum(b => b.Batches));
    }
}
