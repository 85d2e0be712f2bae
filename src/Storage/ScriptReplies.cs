using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// The one codec between the slot scripts' answers and the states C# knows (<see cref="MessageStatus"/>,
/// <see cref="CancelOutcome"/>, <see cref="MoveStep"/>, <see cref="DrainOutcome"/>): each word a script answers with
/// is named here once, next to what it means. The scripts' side of the same words is in their headers
/// (<c>Scripts/includes/messageLookup.lua</c>), and the state table in docs/design.md shows both.
/// </summary>
internal static class ScriptReplies
{
    public const string Scheduled = "scheduled";
    public const string Printed = "printed";
    public const string Canceled = "canceled";
    public const string Expired = "expired";
    public const string Moved = "moved";

    /// <summary>A cancel that took effect in this call (a repeated one answers <see cref="Canceled"/>).</summary>
    public const string CanceledNow = "now";

    /// <summary>A move called off before it took its message.</summary>
    public const string Aborted = "aborted";

    /// <summary>moveAbort.lua: the attempt is called off now (its nonce marked; the mark's prefix too).</summary>
    public const string CalledOff = "X";

    /// <summary>The prefix of a record of an arrival to call off (moveDone.lua).</summary>
    public const string ArrivalCalledOff = "C";

    /// <summary>A commit or drain by an activation that lost the fence.</summary>
    public const string Fenced = "F";

    /// <summary>
    /// A commit or drain whose view holds a message the store lost (its epoch record is not the caller's).
    /// </summary>
    public const string Reincarnated = "R";

    /// <summary>
    /// What status answers: a word, or an array of { <see cref="Moved"/>, record } or { <see cref="Printed"/>,
    /// printed at (ms after the minute's start), redelivered 0/1 }.
    /// </summary>
    public static MessageRecord Record(RedisResult result, long slotStartMs)
    {
        if (result.Resp2Type == ResultType.Array)
        {
            var reply = (RedisResult[])result!;
            return (string?)reply[0] == Moved
                ? new MessageRecord(MessageStatus.Moved, MovedTo: MoveRecord.Parse((string)reply[1]!).NewId)
                : new MessageRecord(MessageStatus.Printed, slotStartMs + (long)reply[1], (long)reply[2] == 1);
        }

        return new MessageRecord(Status((string?)result));
    }

    /// <summary>A message state word; anything else (<c>unknown</c>) is <see cref="MessageStatus.Unknown"/>.</summary>
    public static MessageStatus Status(string? word) => word switch
    {
        Scheduled => MessageStatus.Scheduled,
        Printed => MessageStatus.Printed,
        Canceled => MessageStatus.Canceled,
        Expired => MessageStatus.Expired,
        _ => MessageStatus.Unknown,
    };

    /// <summary>What cancel answers, and whether it took effect in this call; an array is a move record.</summary>
    public static (CancelOutcome Outcome, bool Now) Cancel(RedisResult result) =>
        result.Resp2Type == ResultType.Array ? (CancelOutcome.Moved, false) : (string?)result switch
        {
            CanceledNow => (CancelOutcome.Canceled, true),
            Canceled => (CancelOutcome.Canceled, false),
            Printed => (CancelOutcome.AlreadyPrinted, false),
            Expired => (CancelOutcome.Expired, false),
            _ => (CancelOutcome.Unknown, false),
        };

    /// <summary>
    /// What moveOut answers when it did not take the message: why it stays (an array is the move record).
    /// </summary>
    public static MoveStep Staying(string? word) => word switch
    {
        Printed => MoveStep.Printed,
        Canceled => MoveStep.Canceled,
        Expired => MoveStep.Expired,
        Aborted => MoveStep.Aborted,
        _ => MoveStep.Unknown,
    };

    /// <summary>
    /// What moveAbort answers: the move record when the message left, <see cref="MoveStep.Aborted"/> when the attempt
    /// is called off now, <see cref="MoveStep.ArrivalCalledOff"/> when a mover left an arrival to call off, else
    /// <see cref="MoveStep.Unknown"/> (no move can start there).
    /// </summary>
    public static MoveRecord MoveAbort(RedisResult result) =>
        result.Resp2Type == ResultType.Array ? MoveRecord.Parse((string)((RedisResult[])result!)[1]!)
        : (string?)result is { } word && word.StartsWith(ArrivalCalledOff, StringComparison.Ordinal) ? MoveRecord.Parse(word)
        : (string?)result == CalledOff ? new MoveRecord(MoveStep.Aborted)
        : new MoveRecord(MoveStep.Unknown);

    /// <summary>What drain answers when it is not handing back unseen messages.</summary>
    public static DrainOutcome Drain(string? word) => word switch
    {
        Fenced => DrainOutcome.Fenced,
        Reincarnated => DrainOutcome.Reincarnated,
        _ => DrainOutcome.Drained,
    };
}
