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
            record = await ArriveAsync(id, record) is { } newId
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
        await Task.WhenAll(intents.Select(RecoverAsync));
        return intents.Length;
    }

    private async Task RecoverAsync(MoveIntent intent)
    {
        var record = await store.MoveAbortAsync(intent);
        if (record.Step == MoveStep.Leaving)
        {
            await ArriveAsync(intent.Id, record);
        }

        await store.RemoveMoveIntentAsync(intent);
    }

    /// <summary>
    /// Appends the message at its new time (once, whoever asks: counted by the first) and records its new id on its old
    /// minute. Null when the store lost the leave and the message printed at its old time meanwhile (or may have):
    /// the arrival is then called off, so it prints once.
    /// </summary>
    private async Task<MessageId?> ArriveAsync(MessageId id, MoveRecord record)
    {
        var request = new ScheduleRequest(
            Math.Max(record.NewDueMs, NowMs),
            record.Entry.Message,
            KeyPrefix + id,
            FormattableString.Invariant($"move:{record.NewDueMs}"),
            ExpireAfterMs: record.Entry.ExpireAfterMs);
        var result = (await writer.WriteAsync([request]))[0];
        if (result.Outcome == ScheduleOutcome.KeyConflict)
        {
            // Only one new time is ever recorded for a message, so its key never meets another request.
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

        if (!await store.MoveDoneAsync(id, record.NewDueMs, result.Id))
        {
            // The store restarted between the leave and the arrival and lost the leave; the message printed where it
            // was. Calling the arrival off keeps it to one print, unless the arrival, due now, printed first.
            return (await store.CancelAsync(result.Id)).Outcome == CancelOutcome.AlreadyPrinted ? result.Id : null;
        }

        return result.Id;
    }
}
