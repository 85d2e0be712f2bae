using EchoAtTime.Api.Accept;
using EchoAtTime.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace EchoAtTime.Tests.Cluster;

/// <summary>
/// "503 means not carried out": when one store call of a request fails, only its messages answer 503, and
/// what the other calls stored answers as stored — a client without an idempotency key would otherwise send
/// a stored message again. The keyed call is made to fail for real: its minute's nonce hash is a string, so
/// its script stops with WRONGTYPE, while the plain append to the same minute never reads that key.
/// </summary>
[Collection(SlotClusterFixture.Name)]
public sealed class PartialFailureTests(SlotClusterFixture fixture)
{
    [Fact]
    public async Task A_failed_keyed_append_answers_unavailable_for_its_messages_alone_while_the_plain_ones_of_the_call_are_stored()
    {
        // Far enough ahead that nothing of it prints while the test looks.
        var slot = TimeSlot.Of(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) + Random.Shared.Next(3_000, 90_000);
        var keys = new RedisKeys(fixture.Options.KeyPrefix);
        await fixture.Multiplexer.GetDatabase().StringSetAsync(keys.Nonces(slot), "not a hash");
        var due = TimeSlot.StartMs(slot) + 1_000;
        var tag = Guid.NewGuid().ToString("N");

        var results = await fixture.Writer.WriteAsync(
        [
            new ScheduleRequest(due, $"{tag} plain 1"),
            new ScheduleRequest(due + 1, $"{tag} keyed", IdempotencyKey: $"{tag}-key", Fingerprint: "fp"),
            new ScheduleRequest(due + 2, $"{tag} plain 2"),
        ]);

        Assert.Equal([ScheduleOutcome.Accepted, ScheduleOutcome.Unavailable, ScheduleOutcome.Accepted], results.Select(r => r.Outcome));
        Assert.Equal(MessageStatus.Scheduled, await fixture.Store.StatusAsync(results[0].Id));
        Assert.Equal(MessageStatus.Scheduled, await fixture.Store.StatusAsync(results[2].Id));
    }

    /// <summary>
    /// Found by tools/Simulate (seed dRHQ5zXrmAl1 on main before this fix, 18 steps: a reply lost on the arrival's
    /// append): a move whose arrival append failed recorded the message as arrived under the empty id "0-0", answered
    /// 200 with it, and dropped its intent, so no recovery would ever arrive a message the append had not stored.
    /// </summary>
    [Fact]
    public async Task A_reschedule_whose_arrival_append_fails_answers_unavailable_and_leaves_its_intent_for_the_recovery()
    {
        var slot = TimeSlot.Of(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) + Random.Shared.Next(3_000, 90_000);
        var keys = new RedisKeys(fixture.Options.KeyPrefix);
        var original = (await fixture.Writer.WriteAsync([new ScheduleRequest(TimeSlot.StartMs(slot) + 1_000, $"{Guid.NewGuid():N} moving")]))[0];
        await fixture.Multiplexer.GetDatabase().StringSetAsync(keys.Nonces(slot + 1), "not a hash");
        var metrics = Metrics();
        var mover = new MessageMover(fixture.Store, fixture.Writer, metrics, TimeProvider.System);

        await Assert.ThrowsAnyAsync<StackExchange.Redis.RedisException>(() => mover.MoveAsync(original.Id, TimeSlot.StartMs(slot + 1) + 500));

        var record = await fixture.Store.LookupAsync(original.Id);
        Assert.Equal(MessageStatus.Moved, record.Status);
        Assert.Null(record.MovedTo);
        var intents = await fixture.Store.MoveIntentsAsync(long.MaxValue, 1_000);
        Assert.Contains(intents, i => i.Intent.Id == original.Id);
    }

    /// <summary>
    /// Found by tools/Simulate (seed <c>cvVUYT3LYbT1</c>, redis-server, schedule 6 241 of a 20 000 run;
    /// docs/guarantees.md §9): the store lost a move's leave, the mover appended the arrival, learned that the message
    /// may have printed where it was, and died before it called the arrival off. The recovery found no leave, called
    /// the attempt off and forgot it: the message printed at its old time and again as the arrival. It now calls the
    /// arrival off too — one stored is canceled, one still on its way meets a canceled stand-in under its key — and the
    /// dead mover's late record of the arrival no longer takes the message again.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_recovered_move_whose_leave_the_store_lost_leaves_the_message_where_it_was_and_no_arrival_printable(bool arrivedBeforeRecovery)
    {
        var (slot, text, original, newDue, intent) = await LeavingAsync();

        // The leave never reached the disk; the mover goes on to append the arrival, as it saw the leave.
        await LoseLeaveAsync(slot, original);
        var arrival = new ScheduleRequest(newDue, text, MessageMover.ArrivalKey(original, intent.Nonce), $"move:{newDue}");
        var early = arrivedBeforeRecovery ? (await fixture.Writer.WriteAsync([arrival]))[0].Id : (MessageId?)null;

        await new MessageMover(fixture.Store, fixture.Writer, Metrics(), TimeProvider.System).RecoverOnceAsync();

        // The dead mover's late steps: the arrival (again, or for the first time), then its record.
        var late = (await fixture.Writer.WriteAsync([arrival]))[0];
        Assert.Equal(ScheduleOutcome.Repeated, late.Outcome);
        Assert.Equal(early ?? late.Id, late.Id);
        Assert.False(await fixture.Store.MoveDoneAsync(original, newDue, late.Id, intent.Nonce));

        Assert.Equal(MessageStatus.Canceled, await fixture.Store.StatusAsync(late.Id));
        Assert.Equal(MessageStatus.Scheduled, await fixture.Store.StatusAsync(original));
        Assert.DoesNotContain(await fixture.Store.MoveIntentsAsync(long.MaxValue, 1_000), i => i.Intent == intent);
    }

    /// <summary>
    /// Found by tools/Simulate (seed <c>9ydnfLqyrDh1</c>, redis-server, schedule 10 526 of a 20 000 run;
    /// docs/guarantees.md §9): the store lost a move's leave and the arrival key's reservation with it, the mover
    /// appended the arrival on the restarted store and its record of it never came. The recovery called the attempt
    /// off and called the arrival off by its key — which named nothing any more, so a stand-in took it and the stored
    /// arrival stayed: the message printed at its old time and as the arrival. The arrival reserves under its attempt's
    /// nonce now, and the recovery finds it by that nonce in the minutes it could have gone to.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_recovered_move_whose_arrival_key_the_store_lost_cancels_the_arrival_it_stored(bool arrivedBeforeRecovery)
    {
        var (slot, text, original, newDue, intent) = await LeavingAsync();

        // The mover reserves the arrival's key; the store then loses the leave and the reservation, and the mover,
        // which saw both, appends the arrival under the nonce it reserved (before the recovery, or after it).
        var key = MessageMover.ArrivalKey(original, intent.Nonce);
        var reservation = (await fixture.Store.ReserveAsync([(key, $"move:{newDue}")], [slot + 1], nonces: [intent.Nonce]))[0]!;
        await LoseLeaveAsync(slot, original);
        await fixture.Multiplexer.GetDatabase().KeyDeleteAsync(new RedisKeys(fixture.Options.KeyPrefix).Idempotency(key));
        var arrival = new ScheduleRequest(newDue, text, key, $"move:{newDue}", Nonce: reservation.Nonce, ReservedSlot: reservation.Slot);
        ScheduleResult? early = arrivedBeforeRecovery ? (await fixture.Writer.WriteAsync([arrival]))[0] : null;
        Assert.Equal(arrivedBeforeRecovery ? ScheduleOutcome.Accepted : null, early?.Outcome);

        await new MessageMover(fixture.Store, fixture.Writer, Metrics(), TimeProvider.System).RecoverOnceAsync();

        var late = (await fixture.Writer.WriteAsync([arrival]))[0];
        Assert.Equal(ScheduleOutcome.Repeated, late.Outcome);
        Assert.Equal(MessageStatus.Canceled, await fixture.Store.StatusAsync(late.Id));
        if (early is { } stored)
        {
            Assert.Equal(MessageStatus.Canceled, await fixture.Store.StatusAsync(stored.Id));
        }

        Assert.Equal(MessageStatus.Scheduled, await fixture.Store.StatusAsync(original));
        Assert.DoesNotContain(await fixture.Store.MoveIntentsAsync(long.MaxValue, 1_000), i => i.Intent == intent);
    }

    /// <summary>
    /// Found by tools/Simulate (seed <c>1VRf5vJYrIT1</c>, redis-server, schedule 4 390 of a 20 000 run): a move whose
    /// mover died before it took the message was called off by the recovery, which left a canceled stand-in under the
    /// message's move key; a later move of the message to another time met the stand-in there and failed (500) on
    /// every try, its recovery too, while the message, taken out of its minute, never arrived. To the same time it
    /// would have arrived as the canceled stand-in. Each attempt's arrival now has a key of its own.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_message_whose_move_was_called_off_moves_again_later_and_arrives_scheduled(bool toTheSameTime)
    {
        var slot = TimeSlot.Of(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) + Random.Shared.Next(3_000, 90_000);
        var original = (await fixture.Writer.WriteAsync([new ScheduleRequest(TimeSlot.StartMs(slot) + 1_000, $"{Guid.NewGuid():N} moving")]))[0].Id;
        var firstDue = TimeSlot.StartMs(slot + 1) + 500;
        var metrics = Metrics();
        var mover = new MessageMover(fixture.Store, fixture.Writer, metrics, TimeProvider.System);

        // A mover that recorded its intent and died: the recovery calls the attempt off.
        var dead = MoveIntent.New(original, firstDue);
        await fixture.Store.AddMoveIntentAsync(dead, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000);
        await mover.RecoverOnceAsync();
        Assert.DoesNotContain(await fixture.Store.MoveIntentsAsync(long.MaxValue, 1_000), i => i.Intent == dead);

        var moved = await mover.MoveAsync(original, toTheSameTime ? firstDue : firstDue + 7_000);

        Assert.Equal(MoveStep.Arrived, moved.Step);
        Assert.Equal(MessageStatus.Scheduled, await fixture.Store.StatusAsync(moved.NewId!.Value));
        Assert.Equal(MessageStatus.Moved, (await fixture.Store.LookupAsync(original)).Status);
    }

    /// <summary>A message a minute or more ahead, taken out of its minute by a move to the next minute.</summary>
    private async Task<(long Slot, string Text, MessageId Original, long NewDue, MoveIntent Intent)> LeavingAsync()
    {
        var slot = TimeSlot.Of(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) + Random.Shared.Next(3_000, 90_000);
        var text = $"{Guid.NewGuid():N} staying";
        var original = (await fixture.Writer.WriteAsync([new ScheduleRequest(TimeSlot.StartMs(slot) + 1_000, text)]))[0].Id;
        var newDue = TimeSlot.StartMs(slot + 1) + 500;
        var intent = MoveIntent.New(original, newDue);
        await fixture.Store.AddMoveIntentAsync(intent, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000);
        Assert.Equal(MoveStep.Leaving, (await fixture.Store.MoveOutAsync(intent)).Step);
        return (slot, text, original, newDue, intent);
    }

    /// <summary>The leave never reached the disk: the message is back in its minute, with no move record.</summary>
    private async Task LoseLeaveAsync(long slot, MessageId original)
    {
        var keys = new RedisKeys(fixture.Options.KeyPrefix);
        var db = fixture.Multiplexer.GetDatabase();
        await db.SetRemoveAsync(keys.Canceled(slot), original.Seq);
        await db.HashDeleteAsync(keys.Nonces(slot), $"mv:{original.Seq}");
    }

    private static EchoMetrics Metrics() =>
        new ServiceCollection().AddMetrics().AddSingleton<EchoMetrics>().BuildServiceProvider().GetRequiredService<EchoMetrics>();
}
