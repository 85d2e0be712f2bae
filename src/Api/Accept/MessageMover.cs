using EchoAtTime.Storage;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace EchoAtTime.Api.Accept;

/// <summary>
/// Reschedules a message: printed at its old time or at its new one, never both and never neither.
/// The minute it leaves decides, atomically with its printer's fence (<see cref="SlotStore.MoveOutAsync"/>):
/// once the message left, it can no longer print there, and its move record holds all it takes to
/// arrive. It arrives as a keyed append under a key only its old id makes, so however often a move
/// is finished — by the request, its retry, or a recovery — it arrives once. A move is noted (an
/// intent) before it takes the message and forgotten once the message arrived; an intent older than
/// <see cref="RecoverAfter"/> is a request that died in the middle, and <see cref="RecoverOnceAsync"/>
/// finishes it or calls it off.
/// </summary>
public sealed class MessageMover(SlotStore store, MessageWriter writer, EchoMetrics metrics, [FromKeyedServices(AcceptClock.Key)] TimeProvider clock)
{
    /// <summary>How long a move may take before another process finishes or calls it off.</summary>
    public static readonly TimeSpan RecoverAfter = TimeSpan.FromSeconds(5);

    // Idempotency keys from clients never hold a control character, so these never meet one.
    private const string KeyPrefix = "\u0001move:";

    private const int RecoveriesPerRound = 16;

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Moves <paramref name="id"/> to <paramref name="newDueMs"/> (as asked; a time already past
    /// prints at once). The record that holds afterwards: <see cref="MoveStep.Arrived"/> with the new
    /// id (also for a repeat of the same move), or why it stays (printed, canceled, expired, unknown,
    /// or moved to another time before).
    /// </summary>
    public async Task<MoveRecord> MoveAsync(MessageId id, long newDueMs)
    {
        var intent = MoveIntent.New(id, newDueMs);
        await store.AddMoveIntentAsync(intent, NowMs);
        var record = await store.MoveOutAsync(intent);
        if (record is { Step: MoveStep.Leaving } && record.NewDueMs == newDueMs)
        {
            record = await ArriveAsync(intent, record) is { } newId
                ? new MoveRecord(MoveStep.Arrived, newDueMs, NewId: newId)
                : new MoveRecord(MoveStep.Printed);
        }

        // Refused, or finished: nothing left for a recovery.
        await store.RemoveMoveIntentAsync(intent);
        return record;
    }

    /// <summary>
    /// Finishes or calls off the moves whose requests have not finished them within
    /// <see cref="RecoverAfter"/>; returns how many it looked at.
    /// </summary>
    public async Task<int> RecoverOnceAsync()
    {
        var intents = await store.MoveIntentsAsync(NowMs - (long)RecoverAfter.TotalMilliseconds, RecoveriesPerRound);
        await Task.WhenAll(intents.Select(i => RecoverAsync(i.Intent, i.StartedMs)));
        return intents.Length;
    }

    private async Task RecoverAsync(MoveIntent intent, long startedMs)
    {
        var record = await store.MoveAbortAsync(intent);
        switch (record.Step)
        {
            case MoveStep.Leaving:
                await ArriveAsync(intent, record);
                break;
            case MoveStep.Arrived:
                break;
            case MoveStep.ArrivalCalledOff:
                // Its mover learned the leave was lost and died before it canceled the arrival.
                await CancelArrivalAsync(intent.Id, record.NewId!.Value);
                await CallArrivalOffAsync(intent, startedMs);
                break;
            default:
                // Called off, or nothing to take: the message stays where it is (or is done there).
                await CallArrivalOffAsync(intent, startedMs);
                break;
        }

        await store.RemoveMoveIntentAsync(intent);
    }

    /// <summary>
    /// Makes sure no arrival of <paramref name="intent"/> prints: one can be stored though the message stays — the
    /// store lost the leave after the mover saw it, the mover appended the arrival and died before it called it off —
    /// or still be on its way from that dead process. A canceled stand-in under the move's key, due a minute after
    /// the new time so it cannot print before its cancel, answers every later arrival (a keyed append stores once);
    /// one already stored is canceled instead, and should it have printed first, the message stays no more.
    /// When the stand-in takes the key afresh, the store may have lost the arrival's reservation after the arrival
    /// was stored (or while it was on its way): the minutes it could have gone to are asked for the attempt's nonce,
    /// which the arrival reserved under, and barred to it (<see cref="CallOffUnnamedArrivalAsync"/>).
    /// </summary>
    private async Task CallArrivalOffAsync(MoveIntent intent, long startedMs)
    {
        var latest = Math.Max(intent.NewDueMs, NowMs);
        var standIn = new ScheduleRequest(latest + 60_000, "", ArrivalKey(intent.Id, intent.Nonce), Fingerprint(intent.NewDueMs), ReservationNonce: intent.Nonce);
        var result = (await writer.WriteAsync([standIn]))[0];
        switch (result.Outcome)
        {
            case ScheduleOutcome.KeyConflict:
                // Only an arrival of this attempt can hold its key, at the time it asked (a record written before
                // records carried the attempt keyed every attempt alike): that attempt's own intent decides it.
                return;
            case ScheduleOutcome.Unavailable:
                throw new RedisException($"The arrival of {intent.Id} could not be called off: the store did not carry out its append.");
        }

        await CancelArrivalAsync(intent.Id, result.Id);
        if (result.Outcome == ScheduleOutcome.Accepted)
        {
            await CallOffUnnamedArrivalAsync(intent, startedMs, latest);
        }
    }

    /// <summary>
    /// Cancels an arrival stored under <paramref name="intent"/>'s nonce in a minute no reservation names any more, and
    /// bars the nonce from the minutes that hold none, so one still on its way goes on to the stand-in's minute and
    /// meets it there. The arrival went to its new time, or to when its mover appended it if that was later: between
    /// the intent's start (a minute early, for another process's clock) and <paramref name="latestMs"/>; the stand-in
    /// holds the minute after.
    /// </summary>
    private async Task CallOffUnnamedArrivalAsync(MoveIntent intent, long startedMs, long latestMs)
    {
        var first = TimeSlot.Of(Math.Max(intent.NewDueMs, startedMs - 60_000));
        var last = TimeSlot.Of(latestMs);
        var minutes = new long[Math.Max(0, last - first + 1)];
        for (var i = 0; i < minutes.Length; i++)
        {
            minutes[i] = first + i;
        }

        foreach (var arrival in await store.BarNonceAsync(minutes, intent.Nonce))
        {
            if (arrival is { } id)
            {
                await CancelArrivalAsync(intent.Id, id);
            }
        }
    }

    /// <summary>
    /// Cancels an arrival of <paramref name="id"/>; should it have printed first, the message stays no more.
    /// </summary>
    private async Task CancelArrivalAsync(MessageId id, MessageId arrival)
    {
        if ((await store.CancelAsync(arrival)).Outcome == CancelOutcome.AlreadyPrinted)
        {
            await store.CancelAsync(id);
        }
    }

    private static string Fingerprint(long newDueMs) => FormattableString.Invariant($"move:{newDueMs}");

    /// <summary>
    /// The idempotency key of an arrival: one per attempt that took the message (<see cref="MoveRecord.Attempt"/>), so
    /// every retry and recovery of that attempt stores one arrival, and a later attempt, after one called off, a fresh
    /// one; a record without its attempt has the message's key alone, as all did before.
    /// </summary>
    public static string ArrivalKey(MessageId id, string? attempt) => attempt is null ? KeyPrefix + id : $"{KeyPrefix}{id}/{attempt}";

    /// <summary>
    /// Appends the message at its new time (once, whoever asks: counted by the first) and records its new id on its old
    /// minute. Null when the store lost the leave and the message printed at its old time meanwhile (or may have):
    /// the arrival is then called off, so it prints once.
    /// </summary>
    private async Task<MessageId?> ArriveAsync(MoveIntent intent, MoveRecord record)
    {
        var id = intent.Id;
        var request = new ScheduleRequest(
            Math.Max(record.NewDueMs, NowMs),
            record.Entry.Message,
            ArrivalKey(id, record.Attempt),
            Fingerprint(record.NewDueMs),
            ExpireAfterMs: record.Entry.ExpireAfterMs,
            ReservationNonce: record.Attempt);
        var result = (await writer.WriteAsync([request]))[0];
        if (result.Outcome == ScheduleOutcome.KeyConflict)
        {
            // Only one new time is ever recorded per attempt, so its key never meets another request.
            throw new InvalidOperationException($"The move of {id} met another request under its key.");
        }

        if (result.Outcome == ScheduleOutcome.Unavailable)
        {
            // Not stored, or stored with its reply lost: either way no id to record. The intent stays, so a retry or
            // the recovery arrives it (once: the key answers the original when it was stored).
            throw new RedisException($"The move of {id} could not arrive: the store did not carry out its append.");
        }

        if (result.Outcome == ScheduleOutcome.Accepted)
        {
            metrics.Moved();
        }

        if (!await store.MoveDoneAsync(id, record.NewDueMs, result.Id, intent.Nonce))
        {
            // The store restarted between the leave and the arrival and lost the leave; the message printed where it
            // was, or a recovery called this attempt off and it stays there. Calling the arrival off keeps it to one
            // print, unless the arrival, due now, printed first.
            return (await store.CancelAsync(result.Id)).Outcome == CancelOutcome.AlreadyPrinted ? result.Id : null;
        }

        return result.Id;
    }
}
