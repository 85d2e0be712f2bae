using System.Collections.Immutable;
using System.Runtime.InteropServices;
using EchoAtTime.Storage;
using StackExchange.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Accept;

/// <summary>
/// The API's writes: routes validated messages to their minutes and appends them there itself
/// (<see cref="SlotWriter"/>), and cancels. A request for one minute, and a minute's keyed messages,
/// go through that minute's <see cref="SlotCallQueue"/>; the plain minutes of a request spread over
/// several go together; and the store sends whatever this process appends at one moment, for any
/// minutes, in one script call. Cancel is one script. No grain call is on any of these paths, so a
/// silo's death never blocks them and every silo added adds capacity. Reads go through
/// <see cref="Queries.MessageReader"/>.
/// </summary>
public sealed class MessageWriter
{
    private readonly SlotStore _store;
    private readonly SlotWriter _writer;
    private readonly EchoMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly SlotCallQueues _queues;

    public MessageWriter(
        SlotStore store, IGrainFactory grains, EchoMetrics metrics, IOptions<EchoOptions> options, [FromKeyedServices(AcceptClock.Key)] TimeProvider clock)
    {
        _store = store;
        _metrics = metrics;
        _clock = clock;
        _writer = new SlotWriter(store, grains, metrics, options, clock);
        _queues = new SlotCallQueues(WriteMinuteAsync);
    }

    /// <summary>Returns results in input order; completes only when every new message is in Redis.</summary>
    public async Task<ScheduleResult[]> WriteAsync(IReadOnlyList<ScheduleRequest> requests)
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var writes = await ReserveKeysAsync(requests, now);
        if (OneMinute(writes, now) is { } minute)
        {
            // All of it for one minute (a single message, a dense batch), none answered yet: it queues there, as the
            // routing below would send it, without the routing.
            var messages = new ScheduleRequest[writes.Length];
            for (var i = 0; i < writes.Length; i++)
            {
                messages[i] = writes[i].Request;
            }

            return await _queues.SendAsync(minute, ImmutableCollectionsMarshal.AsImmutableArray(messages));
        }

        var bySlot = new Dictionary<long, List<int>>();
        for (var i = 0; i < writes.Length; i++)
        {
            if (writes[i].HasResult)
            {
                continue;
            }

            var slot = Minute(writes[i].Request, now);
            if (!bySlot.TryGetValue(slot, out var list))
            {
                bySlot[slot] = list = [];
            }

            list.Add(i);
        }

        // A request for one minute (a single message, a dense batch) queues there, so that concurrent
        // requests for a busy minute go in one append; minutes of a request spread over several go
        // straight, together. Keyed messages always queue (one keyed script per call).
        var plain = new List<KeyValuePair<long, List<int>>>();
        var queued = new List<KeyValuePair<long, List<int>>>();
        foreach (var pair in bySlot)
        {
            (bySlot.Count > 1 && pair.Value.All(i => !writes[i].IsKeyed) ? plain : queued).Add(pair);
        }

        var sends = queued.Select(async pair =>
        {
            var slotResults = await _queues.SendAsync(pair.Key, [.. pair.Value.Select(i => writes[i].Request)]);
            for (var k = 0; k < pair.Value.Count; k++)
            {
                writes[pair.Value[k]].Result = slotResults[k];
            }
        });
        await Task.WhenAll([WritePlainAsync(plain, writes), .. sends]);
        return PendingWrite.Results(writes);
    }

    /// <summary>The minute a request goes to first: its due one, or its key's reservation's.</summary>
    private static long Minute(ScheduleRequest request, long now) =>
        request.Nonce is null ? TimeSlot.Of(Math.Max(now, request.DueMs)) : request.ReservedSlot;

    /// <summary>
    /// The minute every one of <paramref name="writes"/> goes to, when they all go to one and none is answered.
    /// </summary>
    private static long? OneMinute(PendingWrite[] writes, long now)
    {
        long? minute = null;
        foreach (var write in writes)
        {
            var slot = Minute(write.Request, now);
            if (write.HasResult || (minute is { } m && m != slot))
            {
                return null;
            }

            minute = slot;
        }

        return minute;
    }

    /// <summary>
    /// Minutes without keyed messages: their first appends in one store call
    /// (<see cref="SlotWriter.AppendPlainAsync"/>), and what had to move on to later minutes in one more round.
    /// </summary>
    private async Task WritePlainAsync(List<KeyValuePair<long, List<int>>> minutes, PendingWrite[] writes)
    {
        if (minutes.Count == 0)
        {
            return;
        }

        var parts = minutes.Select(pair => pair.Value.Select(i => new PendingWrite(writes[i].Request)).ToArray())
            .ToArray();
        var moved = await _writer.AppendPlainAsync([.. minutes.Select(pair => pair.Key)], parts);
        var later = new List<(int Minute, int Index)>();
        for (var m = 0; m < minutes.Count; m++)
        {
            foreach (var i in moved[m])
            {
                later.Add((m, i));
            }
        }

        if (later.Count > 0)
        {
            var laterResults = await WriteAsync([.. later.Select(x => parts[x.Minute][x.Index].Rerouted())]);
            for (var k = 0; k < later.Count; k++)
            {
                parts[later[k].Minute][later[k].Index].Result = laterResults[k];
            }
        }

        for (var m = 0; m < minutes.Count; m++)
        {
            for (var k = 0; k < minutes[m].Value.Count; k++)
            {
                writes[minutes[m].Value[k]].Result = parts[m][k].Result;
            }
        }
    }

    /// <summary>
    /// Reserves the idempotency keys not reserved yet (one pipelined round trip, each key in its own
    /// hash slot): a key held with another fingerprint is answered here as a conflict; every other
    /// keyed request carries the reservation's nonce and minute from now on.
    /// </summary>
    private async ValueTask<PendingWrite[]> ReserveKeysAsync(IReadOnlyList<ScheduleRequest> requests, long now)
    {
        var writes = PendingWrite.Of(requests);
        List<int>? fresh = null;
        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i] is { IdempotencyKey: not null, Nonce: null })
            {
                (fresh ??= []).Add(i);
            }
        }

        if (fresh is null)
        {
            return writes;
        }

        var reservations = await _store.ReserveAsync(
            [.. fresh.Select(i => (requests[i].IdempotencyKey!, requests[i].Fingerprint ?? ""))],
            [.. fresh.Select(i => TimeSlot.Of(Math.Max(now, requests[i].DueMs)))],
            [.. fresh.Select(i => requests[i].KeyRetentionSeconds)],
            [.. fresh.Select(i => requests[i].ReservationNonce)]);
        for (var k = 0; k < fresh.Count; k++)
        {
            var i = fresh[k];
            if (reservations[k] is { } held)
            {
                writes[i] = new PendingWrite(requests[i] with { Nonce = held.Nonce, ReservedSlot = held.Slot });
            }
            else
            {
                writes[i].Result = new ScheduleResult(default, ScheduleOutcome.KeyConflict);
            }
        }

        return writes;
    }

    /// <summary>Atomic with the printer's fence; the printer learns of it at its next commit.</summary>
    public async Task<CancelOutcome> CancelAsync(MessageId id)
    {
        var (outcome, now) = await _store.CancelAsync(id);
        if (now)
        {
            _metrics.Canceled();
        }

        return outcome;
    }

    /// <summary>
    /// One group-commit call's worth of messages for <paramref name="slot"/>: written there, or moved on.
    /// </summary>
    private async Task<ScheduleResult[]> WriteMinuteAsync(long slot, ImmutableArray<ScheduleRequest> messages)
    {
        var writes = PendingWrite.Of(messages);
        var moved = await _writer.AppendAsync(slot, writes);
        if (moved.Count > 0)
        {
            var later = await MovedOnOrUnavailableAsync(slot, writes, moved);
            for (var k = 0; k < moved.Count; k++)
            {
                writes[moved[k]].Result = later[k];
            }
        }

        return PendingWrite.Results(writes);
    }

    /// <summary>
    /// What must go to a later minute, written there; when the store fails on the way, these alone answer 503 (what
    /// this minute stored keeps its answer).
    /// </summary>
    private async Task<ScheduleResult[]> MovedOnOrUnavailableAsync(long slot, PendingWrite[] writes, List<int> moved)
    {
        try
        {
            return await WriteAsync(await Task.WhenAll(moved.Select(i => MovedOnAsync(slot, writes[i]))));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return [.. Enumerable.Repeat(ScheduleResult.Unavailable, moved.Count)];
        }
    }

    /// <summary>
    /// A message that goes to a later minute, due at its moved due time; a keyed one moves its
    /// reservation there first (the minute it leaves has marked it as moved on), or follows it where
    /// another request moved it already.
    /// </summary>
    private async Task<ScheduleRequest> MovedOnAsync(long slot, PendingWrite write)
    {
        var (message, dueMs) = (write.Request, write.DueMs);
        if (message.Nonce is null)
        {
            return write.Rerouted();
        }

        var target = await _store.MoveReservationAsync(message.IdempotencyKey!, message.Nonce, slot, TimeSlot.Of(dueMs));
        return message with { DueMs = Math.Max(dueMs, TimeSlot.StartMs(target)), ReservedSlot = target };
    }
}
