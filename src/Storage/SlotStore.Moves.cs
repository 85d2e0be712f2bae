using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// Reschedules, on the minute a message leaves (<see cref="SlotScripts.MoveOut"/>) and in the set of
/// moves under way. Where it arrives is an ordinary keyed append, so it arrives once however often
/// the move is finished (see EchoAtTime.Api.MessageMover).
/// </summary>
public sealed partial class SlotStore
{
    /// <summary>
    /// Takes the message out of its minute for <paramref name="intent"/> unless it is printed, in the
    /// batch being printed, canceled or expired; atomic with the printer's fence. Returns the move
    /// record that then holds: this attempt's, or an earlier one's (perhaps to another time).
    /// </summary>
    public async Task<MoveRecord> MoveOutAsync(MoveIntent intent)
    {
        var id = intent.Id;
        var result = await Db.ScriptEvaluateAsync(SlotScripts.MoveOut, SlotKeys(id.Slot), [.. IdArgs(id), intent.NewDueMs, intent.Nonce, id.DueMs]).ConfigureAwait(false);
        if (_replicaAcks > 0)
        {
            // A move lost in a failover would leave the message printable here while it also arrives there.
            await WaitForReplicasAsync(redis.GetServer(_keys.Meta(id.Slot)), $"the move out of slot {id.Slot}").ConfigureAwait(false);
        }

        if (result.Resp2Type == ResultType.Array)
        {
            return MoveRecord.Parse((string)((RedisResult[])result!)[1]!);
        }

        return new MoveRecord(ScriptReplies.Staying((string?)result));
    }

    /// <summary>
    /// Records that the message moved to <paramref name="newDueMs"/> (as asked) arrived as
    /// <paramref name="newId"/> (once; later calls change nothing). False when the store had lost the leave and the
    /// message printed at its old time meanwhile (or may have), or a recovery called the attempt
    /// (<paramref name="nonce"/>) off since: the caller must call the arrival off. A lost leave of a message that did
    /// not print is made again.
    /// </summary>
    public async Task<bool> MoveDoneAsync(MessageId id, long newDueMs, MessageId newId, string nonce)
    {
        var reply = (string?)await Db.ScriptEvaluateAsync(SlotScripts.MoveDone, SlotKeys(id.Slot), [.. IdArgs(id), id.DueMs, MoveRecord.Arrival(newDueMs, newId), nonce]).ConfigureAwait(false);
        return reply is not (ScriptReplies.Printed or ScriptReplies.Aborted);
    }

    /// <summary>
    /// Calls <paramref name="intent"/> off unless the message already left: the record to finish or
    /// forget, <see cref="MoveStep.Aborted"/> when it is now called off, or <see cref="MoveStep.Unknown"/>
    /// when no move can start there: the minute is finished or gone, the message canceled or expired, or the id names
    /// no message there (one the store lost, whose sequence another message took).
    /// </summary>
    public async Task<MoveRecord> MoveAbortAsync(MoveIntent intent)
    {
        var id = intent.Id;
        return ScriptReplies.MoveAbort(await Db.ScriptEvaluateAsync(SlotScripts.MoveAbort, SlotKeys(id.Slot), [.. IdArgs(id), intent.Nonce]).ConfigureAwait(false));
    }

    /// <summary>Notes a move before it takes its message, scored by when it started.</summary>
    public async Task AddMoveIntentAsync(MoveIntent intent, long nowMs)
    {
        await Db.SortedSetAddAsync(_keys.MoveIntents, intent.ToString(), nowMs).ConfigureAwait(false);
        if (_replicaAcks > 0)
        {
            await WaitForReplicasAsync(redis.GetServer(_keys.MoveIntents), "a move's intent").ConfigureAwait(false);
        }
    }

    public Task RemoveMoveIntentAsync(MoveIntent intent) => Db.SortedSetRemoveAsync(_keys.MoveIntents, intent.ToString());

    /// <summary>
    /// Moves that started at or before <paramref name="startedByMs"/> and are still noted, oldest first, with when each
    /// started (by the clock of the process that noted it).
    /// </summary>
    public async Task<(MoveIntent Intent, long StartedMs)[]> MoveIntentsAsync(long startedByMs, int take)
    {
        var members = await Db.SortedSetRangeByScoreWithScoresAsync(_keys.MoveIntents, double.NegativeInfinity, startedByMs, take: take).ConfigureAwait(false);
        var intents = new List<(MoveIntent, long)>(members.Length);
        foreach (var member in members)
        {
            if (MoveIntent.TryParse((string?)member.Element ?? "", out var intent))
            {
                intents.Add((intent, (long)member.Score));
            }
        }

        return [.. intents];
    }
}
