using EchoAtTime.Storage;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// The invariants after a schedule: the Invariants of the test harness on what the consoles printed
/// (nothing acknowledged lost, no unflagged repeat, (due, acceptance) order, never early by the
/// store's clock), and every answer true to what happened: a 204 never prints; a moved message prints
/// once, as its new id when the move answered so; one message (one text) prints under one id, however
/// often its key was retried or it was moved; a key answers one id. What a store that lost writes may
/// have undone (answered after its last persist, before the loss) is not held against it: a message whose cancel
/// or move it may have lost may print, in whatever place that leaves it.
/// </summary>
internal static class Verdict
{
    public static List<string> Of(SimWorld world, bool strict = false)
    {
        var ledger = world.Ledger;
        var rank = world.StoreEpochs.Select((epoch, i) => (epoch, i)).ToDictionary(e => e.epoch, e => (long)e.i);
        MessageKey Key(MessageId id) => Ranked(id, rank);
        var lines = LateOriginalsLeftOut(world.Printed.Select(p => new PrintedLine(p.Silo, Key(p.Id), p.PrintedMs, p.Message, p.Redelivered)).ToList());
        var printedIds = world.Printed.Select(p => p.Id).ToHashSet();
        var violations = new List<string>(world.Errors.Select(e => $"500: {e}"));
        if (strict)
        {
            // Not wrong, but late: each is a reload and a retry (500 ms in the grain) where none was needed.
            violations.AddRange(world.Reloads.Select(r => $"needless reload: {r}"));
        }


        var canceled = ledger.Cancels.Where(c => c.Outcome == CancelOutcome.Canceled).ToList();
        foreach (var (id, _, step) in canceled.Where(c => printedIds.Contains(c.Id) && !ledger.MayBeLost(c.Step)))
        {
            violations.Add($"204 then printed: {id} (canceled at step {step})");
        }

        var movedAway = ledger.Moves.Where(m => m.Record is { Step: MoveStep.Arrived }).ToList();
        foreach (var (id, record, step) in movedAway.Where(m => printedIds.Contains(m.Id) && !ledger.MayBeLost(m.Step)))
        {
            violations.Add($"moved then printed at its old time: {id} (moved to {record!.NewId} at step {step})");
        }

        // Whose fate the answers leave open: a cancel or move with no answer (failed, or its silo died) may have
        // happened or not.
        var answeredDefinitely = ledger.Cancels.Where(c => c.Outcome is not null).Select(c => c.Id)
            .Concat(ledger.Moves.Where(m => m.Record is not null && m.Record.Step != MoveStep.Leaving).Select(m => m.Id))
            .ToHashSet();
        var undecided = ledger.Cancels.Where(c => c.Outcome is null).Select(c => c.Id)
            .Concat(ledger.Moves.Where(m => m.Record is null || m.Record.Step == MoveStep.Leaving).Select(m => m.Id))
            .Concat(ledger.Touched.Where(id => !answeredDefinitely.Contains(id)))
            .ToHashSet();
        var candidates = new List<MessageId>();
        foreach (var message in ledger.Messages)
        {
            var answered = message.Answers.Where(a => a.Result is { Outcome: ScheduleOutcome.Accepted or ScheduleOutcome.Repeated }).ToList();
            var ids = answered.Select(a => a.Result!.Value.Id).Distinct().ToList();
            var forgiven = answered.Any(a => ledger.MayBeLost(a.SentStep, a.Step)) || (message.Key is not null && ledger.Losses.Count > 0);
            var expiredFirst = ledger.Expired.Count > 0;
            if (ids.Count > 1 && !forgiven && !expiredFirst)
            {
                violations.Add($"one key, two ids: {message.Text} ({message.Key}) answered {string.Join(", ", ids)}");
            }

            var printedUnder = world.Printed.Where(p => p.Message == message.Text).Select(p => p.Id).Distinct().ToList();
            if (printedUnder.Count > 1 && !(forgiven || expiredFirst))
            {
                violations.Add($"one message printed under {printedUnder.Count} ids: {message.Text} as {string.Join(", ", printedUnder)}");
            }

            candidates.AddRange(answered.Where(a => !ledger.MayBeLost(a.SentStep, a.Step)).Select(a => a.Result!.Value.Id));
        }

        candidates.AddRange(movedAway.Where(m => !ledger.MayBeLost(m.Step)).Select(m => m.Record!.NewId!.Value));

        // Must print: answered as stored, and neither canceled (204), moved away, nor in doubt.
        // A move refused as canceled or expired says the message will never print, as a 204 does.
        // A cancel answered "moved" says it left under another id (which the mover's answer, if any, names).
        var done = ledger.Moves.Where(m => m.Record is { Step: MoveStep.Canceled or MoveStep.Expired }).Select(m => m.Id)
            .Concat(ledger.Cancels.Where(c => c.Outcome is CancelOutcome.Moved or CancelOutcome.Expired).Select(c => c.Id))
            .ToHashSet();
        var mustPrint = candidates.Where(id => !undecided.Contains(id) && !done.Contains(id) && !canceled.Any(c => c.Id == id) && !movedAway.Any(m => m.Id == id))
            .Select(Key)
            .Distinct();
        // A cancel or move the store may have lost (sent after its last persist, before a loss) can bring the
        // message back after later ones printed: it may print, and wherever it then comes, it breaks no promise. So
        // can one whose answer never came (a lost reply): it may have taken the message out before the loss undid it.
        var revived = ledger.Cancels.Where(c => c.Outcome is CancelOutcome.Canceled or null && ledger.MayBeLost(c.Step)).Select(c => c.Id)
            .Concat(ledger.Moves.Where(m => m.Record is null or { Step: MoveStep.Arrived or MoveStep.Leaving } && ledger.MayBeLost(m.Step)).Select(m => m.Id))
            .Select(Key)
            .ToHashSet();
        var report = Invariants.Check([.. lines.Where(l => !revived.Contains(l.Key))], mustPrint, world.Crashed);
        violations.AddRange(lines.Where(l => revived.Contains(l.Key) && l.PrintedMs < l.DueMs).Select(l => $"early: {l.Id} (its cancel or move lost) printed {l.DueMs - l.PrintedMs} ms early"));
        if (!report.Holds)
        {
            violations.Add($"invariants: {report}");
        }

        return violations;
    }

    /// <summary>
    /// The id as the invariants rank it: (due, acceptance) is (due, sequence) within one incarnation of the store, but
    /// a store that lost writes hands the positions of what it lost out again, so a message of a later incarnation can
    /// have a smaller sequence than one of the same millisecond accepted (and perhaps printed) before the loss. The
    /// sequence is ranked by incarnation first: a line shows it as incarnation × 10⁹ + sequence.
    /// </summary>
    private static MessageKey Ranked(MessageId id, Dictionary<string, long> rank)
    {
        var key = MessageKey.Parse(id.ToString());
        return rank.TryGetValue(id.EpochText ?? "", out var incarnation) ? key with { Seq = (incarnation * 1_000_000_000) + key.Seq } : key;
    }

    /// <summary>
    /// A batch declared by one activation and printed by it late (a slow console, a paused process) after another
    /// activation took the minute over and printed the batch again, flagged: the original reaches its console after
    /// the flagged repeat. Guarantees §5 allows it ("the stuck batch may still reach the stuck console later,
    /// unflagged"); the harness, which calls the first line in time the original, would count it an unflagged repeat.
    /// So the one unflagged line of an id whose first line was flagged is left out; a second unflagged line stays in.
    /// </summary>
    private static List<PrintedLine> LateOriginalsLeftOut(List<PrintedLine> lines)
    {
        var late = lines.GroupBy(l => l.Key)
            .Where(g => g.First().Redelivered && g.Count(l => !l.Redelivered) == 1)
            .Select(g => g.First(l => !l.Redelivered))
            .ToHashSet();
        return [.. lines.Where(l => !late.Contains(l))];
    }
}
