using EchoAtTime.Grains;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// Idempotency keys whose keys never span hash slots: a reservation in the key's own slot names a
/// nonce and a minute; the minute's script stores a nonce once, answers it again whatever the minute's
/// state, and marks a nonce that moved on so an append still on its way there stores nothing.
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class KeyReservationTests(RedisFixture redis)
{
    private static readonly string Prefix = $"t{Guid.NewGuid():N}:";
    private readonly SlotStore _store = new(redis.Multiplexer, Options.Create(new EchoOptions { KeyPrefix = Prefix, Retention = TimeSpan.FromHours(1), AppendGrace = EarlierRun.AnyMinute }));
    private readonly RedisKeys _keys = new(Prefix);
    private readonly long _slot = Random.Shared.NextInt64(5_000_000, 6_000_000);

    private IDatabase Db => redis.Multiplexer.GetDatabase();

    private Task<AppendResult> AppendAsync(string nonce, int offsetMs, string message, bool here = true, long? slot = null)
    {
        var s = slot ?? _slot;
        return _store.AppendKeyedAsync(s, [(SlotElement.Encode(offsetMs, message), TimeSlot.StartMs(s) + offsetMs, nonce, here)]);
    }

    [Fact]
    public async Task A_key_reserved_again_keeps_the_first_nonce_and_minute_and_a_different_request_under_it_conflicts()
    {
        var key = Guid.NewGuid().ToString();
        var first = (await _store.ReserveAsync([(key, "fp")], [_slot]))[0];
        var again = (await _store.ReserveAsync([(key, "fp")], [_slot + 5]))[0];
        var other = (await _store.ReserveAsync([(key, "another")], [_slot]))[0];

        Assert.NotNull(first);
        Assert.Equal(first, again);
        Assert.Equal(_slot, again!.Slot);
        Assert.Null(other);
        var ttl = await Db.KeyTimeToLiveAsync(_keys.Idempotency(key));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task A_nonce_appended_twice_stores_once_and_the_second_append_answers_the_first_id()
    {
        var first = await AppendAsync("n1", 100, "a");
        var second = await AppendAsync("n1", 100, "a");

        Assert.Equal([0], first.Seqs);
        Assert.Equal([-1], second.Seqs);
        var repeat = Assert.IsType<ScheduleResult>(second.Repeats![0]);
        Assert.Equal((ScheduleOutcome.Repeated, new MessageId(TimeSlot.StartMs(_slot) + 100, 0, first.Epoch)), (repeat.Outcome, repeat.Id));
        Assert.Equal(1, await Db.ListLengthAsync(_keys.Messages(_slot)));
    }

    [Fact]
    public async Task One_nonce_twice_in_one_append_stores_once()
    {
        var due = TimeSlot.StartMs(_slot) + 100;
        var element = SlotElement.Encode(100, "a");

        var result = await _store.AppendKeyedAsync(_slot, [(element, due, "n1", true), (element, due, "n1", true)]);

        Assert.Equal([0, -1], result.Seqs);
        Assert.Equal(new MessageId(due, 0, result.Epoch), result.Repeats![1]!.Value.Id);
        Assert.Equal(1, await Db.ListLengthAsync(_keys.Messages(_slot)));
    }

    [Fact]
    public async Task A_nonce_repeated_after_its_minute_closed_is_still_answered_with_the_original_id()
    {
        var first = await AppendAsync("n1", 100, "a");
        Assert.Equal(DrainOutcome.Drained, (await _store.DrainAsync(_slot, 0, 1)).Outcome);

        var again = await AppendAsync("n1", 100, "a");

        Assert.False(again.Moved![0]);
        Assert.Equal(new MessageId(TimeSlot.StartMs(_slot) + 100, 0, first.Epoch), again.Repeats![0]!.Value.Id);
        Assert.NotNull(await Db.KeyTimeToLiveAsync(_keys.Nonces(_slot)));
    }

    [Fact]
    public async Task An_append_on_its_way_to_a_minute_its_nonce_moved_on_from_stores_nothing()
    {
        // A later request found the due time beyond this minute and moved the reservation on; the
        // original request's append, held up on its way, reaches the minute afterwards.
        var movedOn = await AppendAsync("n1", 59_999, "a", here: false);
        var late = await AppendAsync("n1", 100, "a");

        Assert.True(movedOn.Moved![0]);
        Assert.True(late.Moved![0]);
        Assert.Null(late.Repeats![0]);
        Assert.Equal(0, await Db.ListLengthAsync(_keys.Messages(_slot)));
    }

    [Fact]
    public async Task A_closed_minute_marks_a_new_nonce_as_moved_on_and_the_mark_expires_with_the_minute()
    {
        Assert.True(await _store.CloseAsync(_slot));

        var result = await AppendAsync("n1", 100, "a");

        Assert.True(result.IsClosed);
        Assert.True(result.Moved![0]);
        Assert.Equal(">", (string?)await Db.HashGetAsync(_keys.Nonces(_slot), "n1"));
        Assert.NotNull(await Db.KeyTimeToLiveAsync(_keys.Nonces(_slot)));
    }

    [Fact]
    public async Task Below_the_floor_a_keyed_append_stores_nothing_marks_nothing_and_may_try_again_later_in_the_minute()
    {
        await AppendAsync("n0", 500, "first");
        Assert.NotNull(await _store.CommitAsync(_slot, 0, SlotCursor.None, 0, SlotCursor.Of(500, 0), 1));

        var refused = await AppendAsync("n1", 100, "a");
        var later = await AppendAsync("n1", 600, "a");

        Assert.Equal((500, false, -1), (refused.FloorOffsetMs, refused.Moved![0], refused.Seqs[0]));
        Assert.Equal([1], later.Seqs);
    }

    [Fact]
    public async Task A_reservation_moves_only_from_the_minute_it_points_at_and_keeps_its_expiry()
    {
        var key = Guid.NewGuid().ToString();
        var held = (await _store.ReserveAsync([(key, "fp")], [_slot]))[0]!;

        var moved = await _store.MoveReservationAsync(key, held.Nonce, _slot, _slot + 1);
        var stale = await _store.MoveReservationAsync(key, held.Nonce, _slot, _slot + 3);
        var afterwards = (await _store.ReserveAsync([(key, "fp")], [_slot]))[0]!;

        Assert.Equal((_slot + 1, _slot + 1), (moved, stale));
        Assert.Equal(new KeyReservation(held.Nonce, _slot + 1), afterwards);
        Assert.InRange((await Db.KeyTimeToLiveAsync(_keys.Idempotency(key)))!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task Each_minute_s_ids_carry_the_incarnation_of_the_server_that_holds_the_minute()
    {
        // On one Redis every minute has the one server's epoch; on Redis Cluster each its shard's
        // master's, since each shard restarts and fails over on its own.
        var epochs = new HashSet<string>();
        foreach (var slot in Enumerable.Range(0, 12).Select(i => _slot + 100 + i))
        {
            var appended = await _store.AppendAsync(slot, [SlotElement.Encode(1, "m")], 1);
            var server = redis.Multiplexer.GetServer(_keys.Meta(slot));
            var info = (string?)await server.ExecuteAsync("INFO", "server") ?? "";
            var runId = info.Split('\n').Single(l => l.StartsWith("run_id:", StringComparison.Ordinal))["run_id:".Length..].Trim();
            Assert.Equal(runId[..MessageId.EpochLength], appended.Epoch);
            epochs.Add(appended.Epoch!);
        }

        // Twelve minutes spread over three shards: not all on one (the chance is 3 in 3^12).
        Assert.Equal(redis.Server.IsCluster, epochs.Count > 1);
    }
}
