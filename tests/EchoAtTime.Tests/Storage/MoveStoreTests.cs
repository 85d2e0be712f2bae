using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The reschedule scripts on the minute a message leaves: the fence, the move record, calling an attempt off.
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class MoveStoreTests(RedisFixture redis)
{
    private static readonly string Prefix = $"t{Guid.NewGuid():N}:";
    private readonly SlotStore _store = new(redis.Multiplexer, Options.Create(new EchoOptions { KeyPrefix = Prefix, AppendGrace = EarlierRun.AnyMinute }));
    private readonly long _slot = Random.Shared.NextInt64(2_000_000, 3_000_000);
    private string? _epoch;

    private long Later => TimeSlot.StartMs(_slot + 10) + 500;

    private async Task AppendAsync(params (int Offset, string Message, long ExpireAfterMs)[] messages)
    {
        var result = await _store.AppendAsync(_slot, [.. messages.Select(m => SlotElement.Encode(m.Offset, m.Message, m.ExpireAfterMs))], messages.Min(m => m.Offset));
        _epoch = result.Epoch ?? _epoch;
    }

    private MessageId Id(int offset, int seq) => new(TimeSlot.StartMs(_slot) + offset, seq, _epoch);

    [Fact]
    public async Task A_move_takes_a_scheduled_message_out_once_keeps_what_it_takes_to_arrive_and_then_names_the_new_id()
    {
        await AppendAsync((1, "a", 0), (2, "b", 30_000));
        var first = MoveIntent.New(Id(2, 1), Later);

        var leaving = await _store.MoveOutAsync(first);
        Assert.Equal(new MoveRecord(MoveStep.Leaving, Later, new SlotEntry(2, "b", 30_000)) { Attempt = first.Nonce }, leaving);
        Assert.Equal(new MessageRecord(MessageStatus.Moved), await _store.LookupAsync(Id(2, 1)));
        Assert.Equal((CancelOutcome.Moved, false), await _store.CancelAsync(Id(2, 1)));

        // Another attempt, even to another time, finds the first one's record and takes nothing more.
        Assert.Equal(leaving, await _store.MoveOutAsync(MoveIntent.New(Id(2, 1), Later + 1)));

        var newId = new MessageId(Later, 0, _epoch);
        await _store.MoveDoneAsync(Id(2, 1), Later, newId, "n1");
        await _store.MoveDoneAsync(Id(2, 1), Later + 1, new MessageId(Later + 1, 5, _epoch), "n2");
        Assert.Equal(new MessageRecord(MessageStatus.Moved, MovedTo: newId), await _store.LookupAsync(Id(2, 1)));
        Assert.Equal(new MoveRecord(MoveStep.Arrived, Later, NewId: newId), await _store.MoveOutAsync(first));
        Assert.Equal(MessageStatus.Scheduled, await _store.StatusAsync(Id(1, 0)));

        // A moved message is done for its minute: printed a, moved b, so the minute closes and still answers.
        await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(1, 0), 2);
        await _store.CommitAsync(_slot, 1, SlotCursor.Of(1, 0), 1, SlotCursor.Of(1, 0), 2);
        Assert.True(await _store.CloseAsync(_slot));
        Assert.Equal(new MessageRecord(MessageStatus.Moved, MovedTo: newId), await _store.LookupAsync(Id(2, 1)));
    }

    [Fact]
    public async Task A_message_in_the_batch_being_printed_stays_and_one_that_left_is_canceled_for_its_printer()
    {
        await AppendAsync((1, "a", 0), (2, "b", 0), (3, "c", 0));
        Assert.True((await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(1, 0), 3))!.Declared);

        Assert.Equal(MoveStep.Printed, (await _store.MoveOutAsync(MoveIntent.New(Id(1, 0), Later))).Step);
        Assert.Equal(MoveStep.Leaving, (await _store.MoveOutAsync(MoveIntent.New(Id(3, 2), Later))).Step);
        Assert.Equal(MoveStep.Unknown, (await _store.MoveOutAsync(MoveIntent.New(Id(9, 1), Later))).Step);
        Assert.Equal(MessageStatus.Scheduled, await _store.StatusAsync(Id(1, 0)));

        // The printer's next commit learns of it as of a cancel, so its view never declares it.
        var commit = await _store.CommitAsync(_slot, 1, SlotCursor.Of(1, 0), 1, SlotCursor.Of(2, 1), 3);
        Assert.Contains(2, commit!.Canceled);
        Assert.Contains(2, (await _store.LoadAsync(_slot)).Canceled);

        await _store.CancelAsync(Id(2, 1));
        Assert.Equal(MoveStep.Printed, (await _store.MoveOutAsync(MoveIntent.New(Id(2, 1), Later))).Step);
    }

    [Fact]
    public async Task An_attempt_called_off_before_it_took_the_message_takes_nothing_when_it_comes_and_others_still_can()
    {
        await AppendAsync((1, "a", 0), (2, "b", 0));
        var late = MoveIntent.New(Id(1, 0), Later);

        Assert.Equal(MoveStep.Aborted, (await _store.MoveAbortAsync(late)).Step);
        Assert.Equal(MoveStep.Aborted, (await _store.MoveAbortAsync(MoveIntent.New(Id(1, 0), Later))).Step);
        Assert.Equal(MoveStep.Aborted, (await _store.MoveOutAsync(late)).Step);
        Assert.Equal(MessageStatus.Scheduled, await _store.StatusAsync(Id(1, 0)));
        Assert.Equal((CancelOutcome.Canceled, true), await _store.CancelAsync(Id(1, 0)));
        Assert.Equal(MessageStatus.Canceled, await _store.StatusAsync(Id(1, 0)));

        // Once a message left, calling its attempt off hands back the record to finish.
        var moving = MoveIntent.New(Id(2, 1), Later);
        var record = await _store.MoveOutAsync(moving);
        Assert.Equal(record, await _store.MoveAbortAsync(moving));

        // A minute that is finished or never was: nothing to call off, and nothing written there.
        Assert.Equal(MoveStep.Unknown, (await _store.MoveAbortAsync(MoveIntent.New(new MessageId(TimeSlot.StartMs(_slot + 1), 0, _epoch), Later))).Step);
        Assert.False(await redis.Multiplexer.GetDatabase().KeyExistsAsync(new RedisKeys(Prefix).Nonces(_slot + 1)));
    }

    [Fact]
    public async Task Intents_are_listed_oldest_first_once_old_enough_and_leave_when_removed()
    {
        var keys = Enumerable.Range(0, 3).Select(i => MoveIntent.New(new MessageId(TimeSlot.StartMs(_slot) + i, i, "1a2b3c4d"), Later)).ToArray();
        await _store.AddMoveIntentAsync(keys[1], 2_000);
        await _store.AddMoveIntentAsync(keys[0], 1_000);
        await _store.AddMoveIntentAsync(keys[2], 9_000);

        var due = (await _store.MoveIntentsAsync(5_000, 10)).Select(i => i.Intent).Where(keys.Contains).ToArray();
        Assert.Equal([keys[0], keys[1]], due);
        await _store.RemoveMoveIntentAsync(keys[0]);
        Assert.Equal([keys[1], keys[2]], (await _store.MoveIntentsAsync(10_000, 10)).Select(i => i.Intent).Where(keys.Contains));
    }
}
