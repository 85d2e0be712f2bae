using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.Cluster;

/// <summary>
/// Messages the printer has not seen: writers on every silo and the gateway append to the minute
/// behind its back, with a notice that may be lost. The printer's view of the minute is then
/// incomplete, and nothing it declares may skip what it has not seen.
/// </summary>
[Collection(SlotClusterFixture.Name)]
public sealed class UnseenAppendTests(SlotClusterFixture fixture)
{
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(30);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>
    /// A start time with the next 3 s inside one minute that is already near (its grain loads at once).
    /// </summary>
    private static long NearStartInOneMinute()
    {
        var start = NowMs + 1_500;
        return TimeSlot.Of(start) == TimeSlot.Of(start + 3_000) ? start : TimeSlot.StartMs(TimeSlot.Of(start + 3_000));
    }

    [Fact]
    public async Task A_message_appended_behind_the_printers_back_prints_before_a_later_one_the_printer_knows()
    {
        var tag = $"{Guid.NewGuid():N}:";
        var start = NearStartInOneMinute();
        var slot = TimeSlot.Of(start);

        // The printer loads the minute with its first message, then someone else appends an earlier one.
        var last = (await fixture.Writer.WriteAsync([new ScheduleRequest(start + 3_000, tag + "c")]))[0].Id;
        var appended = await fixture.AppendRawAsync(slot, ((int)TimeSlot.OffsetMs(start + 1_000), tag + "a"));
        var unseen = new MessageId(start + 1_000, appended.Seqs[0], appended.Epoch);
        var middle = (await fixture.Writer.WriteAsync([new ScheduleRequest(start + 2_000, tag + "b")]))[0].Id;

        var printed = CapturingSink.Tagged(await fixture.Sink.WaitForAsync(l => CapturingSink.Tagged(l, tag).Count >= 3, PrintTimeout), tag);
        var expected = new[] { unseen, middle, last }.OrderBy(id => id.DueMs).ThenBy(id => id.Seq);
        Assert.Equal(expected, printed.Select(l => l.Id));
        Assert.All(printed, l => Assert.False(l.Redelivered));
    }

    [Fact]
    public async Task A_message_appended_without_any_notice_is_found_by_the_sweep_and_prints_before_a_later_one()
    {
        var tag = $"{Guid.NewGuid():N}:";
        var start = NearStartInOneMinute();
        var slot = TimeSlot.Of(start);

        // The printer has loaded the minute (its first message printed) and waits for the last one;
        // an earlier one arrives with no notice (as when a writer's notice is lost): only the sweep can tell it.
        var ids = await fixture.Writer.WriteAsync(
            [new ScheduleRequest(start, tag + "first"), new ScheduleRequest(start + 3_000, tag + "later")]);
        await fixture.Sink.WaitForAsync(l => CapturingSink.Tagged(l, tag).Count >= 1, PrintTimeout);
        var appended = await fixture.AppendRawAsync(slot, ((int)TimeSlot.OffsetMs(start + 1_000), tag + "unnoticed"));
        var unnoticed = new MessageId(start + 1_000, appended.Seqs[0], appended.Epoch);
        var last = ids[1].Id;

        var printed = CapturingSink.Tagged(await fixture.Sink.WaitForAsync(l => CapturingSink.Tagged(l, tag).Count >= 3, PrintTimeout), tag).Skip(1).ToList();
        Assert.Equal(new[] { unnoticed, last }, printed.Select(l => l.Id));
        Assert.All(printed, l => Assert.True(l.PrintedAtMs >= l.Id.DueMs, $"{l.Id} printed early"));
        Assert.All(printed, l => Assert.True(fixture.Sink.ReceivedMs(l) >= l.Id.DueMs, $"{l.Id} reached the console early"));
        Assert.False(printed[0].Redelivered);

        // Found by a sweep (every 500 ms here), not by the commit of the later message 2 s after it.
        Assert.True(printed[0].PrintedAtMs - unnoticed.DueMs < 1_500, $"printed {printed[0].PrintedAtMs - unnoticed.DueMs} ms late");
    }

    [Fact]
    public async Task A_commit_that_finds_messages_the_printer_has_not_seen_declares_nothing_past_them()
    {
        // Far ahead: no sweeper or grain touches this minute while the test plays its printer.
        var slot = TimeSlot.Of(NowMs) + 500_000 + Random.Shared.Next(100_000);
        await fixture.AppendRawAsync(slot, (100, "seen"));
        var unseen = await fixture.AppendRawAsync(slot, (50, "unseen"));

        // The caller loaded one element and would declare up to it; the list holds two.
        var commit = await fixture.Store.CommitAsync(slot, 0, SlotCursor.None, 0, SlotCursor.Of(100, 0), loadedCount: 1);

        Assert.NotNull(commit);
        Assert.False(commit.Declared);
        Assert.Single(commit.Unseen);
        Assert.Equal(MessageStatus.Scheduled, await fixture.Store.StatusAsync(new MessageId(TimeSlot.StartMs(slot) + 50, 1, unseen.Epoch)));
        var snapshot = await fixture.Store.LoadAsync(slot);
        Assert.Equal(SlotCursor.None, snapshot.PrintingCursor);
        Assert.Equal(1, snapshot.Version);
    }

    [Fact]
    public async Task A_commit_declares_its_batch_when_everything_the_printer_has_not_seen_sorts_after_it()
    {
        // Writers keep appending later messages to the minute being printed: that must not hold the
        // printer's declaration up (a retried commit per batch under load), only an earlier one may.
        var slot = TimeSlot.Of(NowMs) + 500_000 + Random.Shared.Next(100_000);
        await fixture.AppendRawAsync(slot, (100, "seen"));
        await fixture.AppendRawAsync(slot, (100, "same due, later sequence"), (300, "later"));

        var commit = await fixture.Store.CommitAsync(slot, 0, SlotCursor.None, 0, SlotCursor.Of(100, 0), loadedCount: 1);

        Assert.NotNull(commit);
        Assert.True(commit.Declared);
        Assert.Equal(2, commit.Unseen.Length);
        Assert.Equal(SlotCursor.Of(100, 0), (await fixture.Store.LoadAsync(slot)).PrintingCursor);
    }
}
