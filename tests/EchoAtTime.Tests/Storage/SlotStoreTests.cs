using EchoAtTime.Grains;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Storage;

/// <summary>The slot scripts against a real redis-server: the fence, the floor, close and drain.</summary>
[Collection(RedisFixture.Name)]
public sealed class SlotStoreTests(RedisFixture redis)
{
    private static readonly string Prefix = $"t{Guid.NewGuid():N}:";
    private readonly SlotStore _store = new(redis.Multiplexer, Options.Create(new EchoOptions { KeyPrefix = Prefix, AppendGrace = EarlierRun.AnyMinute }));
    private readonly RedisKeys _keys = new(Prefix);
    private readonly long _slot = Random.Shared.NextInt64(1_000_000, 2_000_000);

    // The store epoch the appends ran under: ids carry it.
    private string? _epoch;

    private async Task<AppendResult> AppendAsync(params (int Offset, string Message)[] messages)
    {
        var result = await _store.AppendAsync(_slot, messages.Select(m => SlotElement.Encode(m.Offset, m.Message)).ToArray(), messages.Min(m => m.Offset));
        _epoch = result.Epoch ?? _epoch;
        return result;
    }

    [Fact]
    public async Task Appends_get_consecutive_sequences_in_acceptance_order_and_index_the_slot()
    {
        var db = redis.Multiplexer.GetDatabase();
        Assert.Equal(new[] { 0, 1 }, (await AppendAsync((5, "a"), (1, "b"))).Seqs);
        Assert.True(await _store.IsIndexedAsync(_slot));

        // The first element carries the minute's epoch: a minute of one append needs no meta hash.
        Assert.Equal($"0:{_epoch}", (await _store.LoadAsync(_slot)).Epochs);
        Assert.False(await db.KeyExistsAsync(_keys.Meta(_slot)));

        // A second append writes the record to the meta hash, so later ones need not read the first element.
        Assert.Equal(new[] { 2 }, (await AppendAsync((5, "c"))).Seqs);
        Assert.Equal($"0:{_epoch}", (string?)await db.HashGetAsync(_keys.Meta(_slot), "e"));
        var snapshot = await _store.LoadAsync(_slot);
        Assert.Equal(new[] { $"5:{_epoch}|a", "1|b", "5|c" }, snapshot.Elements.Select(e => (string)e!));
        Assert.Equal((5, "a"), SlotElement.Decode(snapshot.Elements[0]));
        Assert.Equal(SlotCursor.None, snapshot.PrintedCursor);
    }

    [Fact]
    public async Task A_commit_with_a_stale_version_is_fenced_and_changes_nothing()
    {
        await AppendAsync((1, "a"), (2, "b"));
        Assert.NotNull(await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(1, 0), 2));
        Assert.Null(await _store.CommitAsync(_slot, 0, SlotCursor.Of(1, 0), 1, SlotCursor.Of(2, 1), 2));

        var snapshot = await _store.LoadAsync(_slot);
        Assert.Equal(1, snapshot.Version);
        Assert.Equal(SlotCursor.Of(1, 0), snapshot.PrintingCursor);
    }

    [Fact]
    public async Task A_commit_returns_what_other_activations_appended_beyond_what_was_loaded()
    {
        await AppendAsync((1, "a"));
        await AppendAsync((2, "b"), (3, "c"));
        var unseen = await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(1, 0), 1);
        Assert.Equal(new[] { "2|b", "3|c" }, unseen!.Unseen.Select(e => (string)e!));
    }

    [Fact]
    public async Task The_printing_cursor_never_moves_back_so_a_dead_owners_batch_stays_in_doubt()
    {
        await AppendAsync((1, "a"), (2, "b"), (3, "c"));
        await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(3, 2), 3);
        // A successor whose first batch is smaller than what the dead owner declared.
        await _store.CommitAsync(_slot, 1, SlotCursor.None, 0, SlotCursor.Of(1, 0), 3);
        Assert.Equal(SlotCursor.Of(3, 2), (await _store.LoadAsync(_slot)).PrintingCursor);
    }

    [Fact]
    public async Task An_append_that_would_sort_before_what_is_printing_is_refused_with_the_floor()
    {
        await AppendAsync((40_003, "printed"));
        await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(40_003, 0), 1);

        var refused = await AppendAsync((39_999, "late"), (50_000, "fine"));
        Assert.Equal(40_003, refused.FloorOffsetMs);
        Assert.Empty(refused.Seqs);
        Assert.Single((await _store.LoadAsync(_slot)).Elements);
        Assert.Equal(new[] { 1 }, (await AppendAsync((40_003, "same ms, later seq"))).Seqs);
    }

    [Fact]
    public async Task A_slot_closes_only_when_everything_in_it_is_printed_and_then_refuses_appends()
    {
        await AppendAsync((1, "a"), (2, "b"));
        Assert.False(await _store.CloseAsync(_slot));
        await _store.CommitAsync(_slot, 0, SlotCursor.Of(2, 1), 2, SlotCursor.Of(2, 1), 2);

        Assert.True(await _store.CloseAsync(_slot));
        Assert.True((await AppendAsync((3, "c"))).IsClosed);
        Assert.True((await _store.LoadAsync(_slot)).Closed);
        Assert.Empty((await _store.LoadAsync(_slot)).Elements);
    }

    [Fact]
    public async Task An_empty_slot_can_be_closed_so_nothing_joins_a_minute_that_is_over()
    {
        Assert.True(await _store.CloseAsync(_slot));
        Assert.True((await AppendAsync((3, "late"))).IsClosed);
    }

    [Fact]
    public async Task Drain_refuses_while_there_are_unseen_messages_and_is_fenced_by_version()
    {
        await AppendAsync((1, "a"), (2, "b"));
        var (outcome, unseen) = await _store.DrainAsync(_slot, 0, 1);
        Assert.Equal(DrainOutcome.UnseenMessages, outcome);
        Assert.Equal(new[] { "2|b" }, unseen.Select(e => (string)e!));

        Assert.Equal(DrainOutcome.Fenced, (await _store.DrainAsync(_slot, 7, 2)).Outcome);
        Assert.Equal(DrainOutcome.Drained, (await _store.DrainAsync(_slot, 0, 2)).Outcome);
        Assert.True((await _store.LoadAsync(_slot)).Closed);
    }

    [Fact]
    public async Task Load_reads_a_minute_larger_than_one_reply_page_completely_and_in_order()
    {
        const int count = 45_000;
        for (var start = 0; start < count; start += 5_000)
        {
            await AppendAsync(Enumerable.Range(start, 5_000).Select(i => (i % 60_000, $"m{i}")).ToArray());
        }

        var elements = (await _store.LoadAsync(_slot)).Elements;
        Assert.Equal(count, elements.Length);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (i % 60_000, $"m{i}")), elements.Select(e => SlotElement.Decode(e)));
    }

    [Fact]
    public async Task A_drained_slot_leaves_no_list_and_its_summary_expires()
    {
        await AppendAsync((1, "a"));
        await _store.DrainAsync(_slot, 0, 1);
        var db = redis.Multiplexer.GetDatabase();
        Assert.False(await db.KeyExistsAsync(_keys.Messages(_slot)));
        Assert.NotNull(await db.KeyTimeToLiveAsync(_keys.Meta(_slot)));
    }

    [Fact]
    public async Task Cancel_is_refused_once_the_message_is_in_a_declared_batch_and_a_canceled_one_counts_as_done_for_close()
    {
        await AppendAsync((1, "a"), (2, "b"), (3, "c"));
        await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(1, 0), 3);

        Assert.Equal((CancelOutcome.AlreadyPrinted, false), await _store.CancelAsync(Id(1, 0)));
        Assert.Equal((CancelOutcome.Canceled, true), await _store.CancelAsync(Id(2, 1)));
        Assert.Equal((CancelOutcome.Canceled, false), await _store.CancelAsync(Id(2, 1)));
        Assert.Equal((CancelOutcome.Unknown, false), await _store.CancelAsync(Id(9, 1)));
        Assert.Equal((CancelOutcome.Unknown, false), await _store.CancelAsync(Id(3, 7)));
        Assert.Equal(MessageStatus.Canceled, await _store.StatusAsync(Id(2, 1)));
        Assert.Equal(MessageStatus.Scheduled, await _store.StatusAsync(Id(3, 2)));

        // Printed: a and c; canceled: b. Nothing left, so the slot closes and keeps the answers.
        await _store.CommitAsync(_slot, 1, SlotCursor.Of(3, 2), 2, SlotCursor.Of(3, 2), 3);
        Assert.True(await _store.CloseAsync(_slot));
        Assert.Equal(MessageStatus.Printed, await _store.StatusAsync(Id(1, 0)));
        Assert.Equal(MessageStatus.Canceled, await _store.StatusAsync(Id(2, 1)));
        Assert.Equal(MessageStatus.Unknown, await _store.StatusAsync(Id(4, 3)));
    }

    [Fact]
    public async Task A_printed_message_answers_with_the_receipt_of_its_batch_when_it_printed_and_whether_it_was_redelivered_also_once_closed()
    {
        await AppendAsync((1, "a"), (2, "b"), (3, "c"), (3, "d"));
        var start = TimeSlot.StartMs(_slot);

        // Batch one (a, b) printed at +40 ms; batch two (c, d) at +95 ms, c redelivered.
        await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(2, 1), 4);
        await _store.CommitAsync(_slot, 1, SlotCursor.Of(2, 1), 2, SlotCursor.Of(3, 3), 4, receipt: BatchReceipt.Of(start, start + 40, 2, 1, null));
        await _store.CommitAsync(_slot, 2, SlotCursor.Of(3, 3), 4, SlotCursor.Of(3, 3), 4, receipt: BatchReceipt.Of(start, start + 95, 3, 3, (3, 2)));

        async Task AssertReceipts()
        {
            Assert.Equal(new MessageRecord(MessageStatus.Printed, start + 40, false), await _store.LookupAsync(Id(1, 0)));
            Assert.Equal(new MessageRecord(MessageStatus.Printed, start + 40, false), await _store.LookupAsync(Id(2, 1)));
            Assert.Equal(new MessageRecord(MessageStatus.Printed, start + 95, true), await _store.LookupAsync(Id(3, 2)));
            Assert.Equal(new MessageRecord(MessageStatus.Printed, start + 95, false), await _store.LookupAsync(Id(3, 3)));
        }

        await AssertReceipts();

        // The listing reads the same receipts (its own parser, the script's twin).
        var page = await _store.BrowseAsync(new BrowseQuery(start, start + 59_999, null, 10));
        var listed = page.Messages.Where(m => m.Id.Slot == _slot).ToList();
        Assert.Equal(new[] { "a", "b", "c", "d" }, listed.Select(m => m.Message));
        foreach (var m in listed)
        {
            Assert.Equal(await _store.LookupAsync(m.Id), m.Record);
        }

        Assert.True(await _store.CloseAsync(_slot));
        await AssertReceipts();
    }

    [Fact]
    public async Task A_fenced_commit_keeps_no_receipt()
    {
        await AppendAsync((1, "a"));
        var start = TimeSlot.StartMs(_slot);
        await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(1, 0), 1);
        Assert.Null(await _store.CommitAsync(_slot, 0, SlotCursor.Of(1, 0), 1, SlotCursor.Of(1, 0), 1, receipt: BatchReceipt.Of(start, start + 5, 1, 0, null)));
        Assert.Equal(new MessageRecord(MessageStatus.Scheduled), await _store.LookupAsync(Id(1, 0)));
    }

    [Fact]
    public async Task A_declaring_commit_records_the_batchs_expired_messages_unless_canceled_and_they_count_as_done_for_close()
    {
        await AppendAsync((1, "expires"), (2, "canceled first"), (3, "prints"));
        Assert.Equal((CancelOutcome.Canceled, true), await _store.CancelAsync(Id(2, 1)));

        // A commit that declares nothing records nothing.
        var undeclared = await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(3, 2), 1, expired: [0]);
        Assert.False(undeclared!.Declared);
        Assert.Equal(MessageStatus.Scheduled, await _store.StatusAsync(Id(1, 0)));

        Assert.True((await _store.CommitAsync(_slot, 1, SlotCursor.None, 0, SlotCursor.Of(3, 2), 3, 1, expired: [0, 1]))!.Declared);
        Assert.Equal(MessageStatus.Expired, await _store.StatusAsync(Id(1, 0)));
        Assert.Equal(MessageStatus.Canceled, await _store.StatusAsync(Id(2, 1)));
        Assert.Equal((CancelOutcome.Expired, false), await _store.CancelAsync(Id(1, 0)));
        Assert.Equal(new[] { 1, -1 }, (await _store.LoadAsync(_slot)).Canceled.Order().Reverse());

        // Not closed while "prints" is unprinted; closed once it is, and the answers stay.
        Assert.False(await _store.CloseAsync(_slot));
        await _store.CommitAsync(_slot, 2, SlotCursor.Of(3, 2), 1, SlotCursor.Of(3, 2), 3, 2);
        Assert.True(await _store.CloseAsync(_slot));
        Assert.Equal(MessageStatus.Expired, await _store.StatusAsync(Id(1, 0)));
        Assert.Equal(MessageStatus.Printed, await _store.StatusAsync(Id(3, 2)));
    }

    [Fact]
    public async Task A_slot_with_an_uncanceled_unprinted_message_does_not_close()
    {
        await AppendAsync((1, "a"), (2, "b"));
        Assert.Equal((CancelOutcome.Canceled, true), await _store.CancelAsync(Id(1, 0)));
        Assert.False(await _store.CloseAsync(_slot));
    }

    [Fact]
    public async Task A_minute_whose_epoch_is_only_in_its_first_element_keeps_answering_for_its_ids_once_closed_or_drained()
    {
        var db = redis.Multiplexer.GetDatabase();
        await AppendAsync((1, "a"));
        Assert.Equal((CancelOutcome.Canceled, true), await _store.CancelAsync(Id(1, 0)));
        Assert.False(await db.HashExistsAsync(_keys.Meta(_slot), "e"));

        // Closing deletes the list, and with it the element the record was in: close keeps it.
        Assert.True(await _store.CloseAsync(_slot));
        Assert.Equal(MessageStatus.Canceled, await _store.StatusAsync(Id(1, 0)));
        Assert.Equal(MessageStatus.Unknown, await _store.StatusAsync(new MessageId(TimeSlot.StartMs(_slot) + 1, 0, "0badcafe")));

        var next = _slot + 1;
        var appended = await _store.AppendAsync(next, [SlotElement.Encode(2, "b")], 2);
        Assert.Equal(DrainOutcome.Drained, (await _store.DrainAsync(next, 0, 1)).Outcome);
        Assert.Equal(MessageStatus.Printed, await _store.StatusAsync(new MessageId(TimeSlot.StartMs(next) + 2, 0, appended.Epoch)));
    }

    [Fact]
    public async Task Appends_to_several_minutes_in_one_call_are_guarded_each_on_its_own_and_keep_their_order_within_a_minute()
    {
        var other = _slot + 1;
        Assert.True(await _store.CloseAsync(other));
        var results = await _store.AppendManyAsync(
        [
            new SlotAppend(_slot, [SlotElement.Encode(5, "a"), SlotElement.Encode(6, "b")], 5),
            new SlotAppend(other, [SlotElement.Encode(1, "closed")], 1),
            new SlotAppend(_slot, [SlotElement.Encode(7, "c")], 7),
        ]);

        Assert.Equal(new[] { 0, 1 }, results[0].Seqs);
        Assert.True(results[1].IsClosed);
        Assert.Equal(new[] { 2 }, results[2].Seqs);
        Assert.Equal(new[] { "a", "b", "c" }, (await _store.LoadAsync(_slot)).Elements.Select(e => SlotElement.Decode(e).Message));
        Assert.Empty((await _store.LoadAsync(other)).Elements);
    }

    [Fact]
    public async Task Appends_to_thousands_of_minutes_in_one_call_go_in_several_scripts_and_each_minute_gets_its_message()
    {
        // More minutes than one script takes: the flush splits them, on one Redis and on a cluster alike.
        // Beyond every other test's random minute (1 000 000 to 2 000 000), which could close one of these.
        var slots = Enumerable.Range(0, 2_500).Select(i => _slot + 5_000_000 + i).ToArray();
        var results = await _store.AppendManyAsync([.. slots.Select(s => new SlotAppend(s, [SlotElement.Encode(7, $"m{s}")], 7))]);

        Assert.All(results, r => Assert.Equal(new[] { 0 }, r.Seqs));
        Assert.Equal(2_500, (await Task.WhenAll(slots.Select(_store.IsIndexedAsync))).Count(indexed => indexed));
        var loaded = await Task.WhenAll(slots[..3].Append(slots[^1]).Select(_store.LoadAsync));
        Assert.Equal(new[] { slots[0], slots[1], slots[2], slots[^1] }.Select(s => (7, $"m{s}")), loaded.Select(l => SlotElement.Decode(Assert.Single(l.Elements))));
    }

    private MessageId Id(int offset, int seq) => new(TimeSlot.StartMs(_slot) + offset, seq, _epoch);
}
