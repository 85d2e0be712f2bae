using EchoAtTime.Storage;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// What the clients were answered, the truth the invariants hold the product to. A message is one
/// text, unique per schedule, sent once or (keyed) again by retries; its answers are what each send got
/// (null while a send has no answer: its silo died, or the schedule ended first).
/// </summary>
internal sealed class Ledger
{
    public List<SentMessage> Messages { get; } = [];

    public List<(MessageId Id, CancelOutcome? Outcome, int Step)> Cancels { get; } = [];

    /// <summary>
    /// Ids a cancel or a move was sent for: without an answer (its silo died) it may have happened or not.
    /// </summary>
    public HashSet<MessageId> Touched { get; } = [];

    public List<(MessageId Id, MoveRecord? Record, int Step)> Moves { get; } = [];

    /// <summary>Ids answered as stored, in answer order: what cancels and moves pick from.</summary>
    public List<MessageId> Accepted { get; } = [];

    /// <summary>The steps at which the store lost writes, and at which it persisted before each loss.</summary>
    public List<(int PersistedAt, int LostAt)> Losses { get; } = [];

    /// <summary>Minutes whose retention passed, at which step.</summary>
    public Dictionary<long, int> Expired { get; } = [];

    /// <summary>
    /// A write's answer at <paramref name="step"/> to what was sent at <paramref name="sentStep"/>: the store ran it at
    /// one step between the two.
    /// </summary>
    public void Answered(SentMessage message, ScheduleResult? result, int sentStep, int step)
    {
        message.Answers.Add((result, step, sentStep));
        if (result is { Outcome: ScheduleOutcome.Accepted or ScheduleOutcome.Repeated } r && !Accepted.Contains(r.Id))
        {
            Accepted.Add(r.Id);
        }
    }

    /// <summary>
    /// Whether what was answered at <paramref name="step"/> may have been undone by a store that lost writes.
    /// </summary>
    public bool MayBeLost(int step) => MayBeLost(step, step);

    /// <summary>
    /// Whether a write the store ran at some step from <paramref name="sentStep"/> to <paramref name="answeredStep"/>
    /// may have been undone: one it ran before a loss may be answered after it (the reply was on its way), and the
    /// store lost it all the same.
    /// </summary>
    public bool MayBeLost(int sentStep, int answeredStep) => Losses.Any(l => answeredStep > l.PersistedAt && sentStep < l.LostAt);

    /// <summary>
    /// Whether a store loss came after <paramref name="step"/>: a later retry may then find nothing of it.
    /// </summary>
    public bool LossAfter(int step) => Losses.Any(l => l.LostAt > step);
}

/// <summary>One message as its client sent it.</summary>
internal sealed record SentMessage(string Text, long DueMs, string? Key)
{
    public List<(ScheduleResult? Result, int Step, int SentStep)> Answers { get; } = [];

    public string Fingerprint => $"{DueMs}|{Text}";

    public ScheduleRequest Request() => new(DueMs, Text, Key, Key is null ? null : Fingerprint);
}
