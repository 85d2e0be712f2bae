using EchoAtTime.Grains.Clock;
using EchoAtTime.Grains.Output;
using EchoAtTime.Storage;
using EchoAtTime.Storage.Clock;
using StackExchange.Redis;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// The fenced print loop of one slot. Every batch is declared in Redis before it reaches the
/// console (one commit confirms the previous batch and declares the next), so an activation that
/// lost the fence cannot print, and a batch cut off by a crash is printed again, flagged. A batch is
/// declared only when nothing the view has not seen sorts before its end; otherwise the commit hands
/// back what the view lacks and the batch is chosen again. Nothing prints while this silo's clock is not bounded
/// to the store's: "never early" holds by the cluster's one clock.
/// </summary>
internal sealed class SlotPrinter(SlotStore store, IEchoSink sink, EchoMetrics metrics, ClusterClock clock, EchoOptions options, SlotPrinterLog log)
{
    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Prints what is due, batch by batch, for at most one print turn (the caller wakes again for
    /// the rest). Every batch is confirmed on return. Throws <see cref="ConsoleStalledException"/>
    /// when the console is given up (the declared batch then stays unconfirmed, for a successor).
    /// Nothing due after <paramref name="dueThroughMs"/> prints: until the order across minutes is
    /// cleared, the caller's check holds only for what was due by the clock reading it was made with,
    /// and this loop reads the clock again.
    /// </summary>
    public async Task<PrintOutcome> PrintDueAsync(long slot, SlotView view, long dueThroughMs = long.MaxValue)
    {
        if (!clock.IsBounded)
        {
            return PrintOutcome.ClockUnbounded;
        }

        var batch = new List<PendingMessage>(Math.Min(options.BatchSize, 1024));
        var unconfirmed = false;
        var receipt = "";
        var turnEndsMs = NowMs + (long)options.PrintTurn.TotalMilliseconds;
        var printedThisTurn = false;
        var redeclare = false;
        while (true)
        {
            var now = NowMs;
            if (printedThisTurn && now >= turnEndsMs && !redeclare)
            {
                batch.Clear();
            }
            else
            {
                view.NextBatch(Math.Min(now, dueThroughMs), options.BatchSize, batch);
            }

            redeclare = false;

            if (batch.Count == 0 && !unconfirmed)
            {
                return PrintOutcome.Done;
            }

            // Past their deadline: declared with the batch and recorded expired by the same commit, so
            // they are done exactly when the batch is declared, and never printed.
            var expiring = batch.Where(m => m.IsExpiredAt(view.SlotStartMs, now)).ToList();
            var printing = batch.Count > 0 ? Math.Max(view.PrintedCursor, batch[^1].Cursor) : view.PrintedCursor;
            var commit = await store.CommitAsync(slot, view.Version, view.PrintedCursor, view.PrintedCount, printing, view.LoadedCount, view.CanceledCount, view.EpochsText, unconfirmed ? receipt : "", expiring.ConvertAll(m => m.Seq), view.CanceledUnder);
            if (commit is null)
            {
                return PrintOutcome.Fenced;
            }

            if (commit.Reincarnated)
            {
                // Nothing was recorded; the grain reloads and prints from what the store really holds.
                throw new InvalidOperationException($"Slot {slot}: the store restarted and lost messages this view holds; reloading.");
            }

            view.Committed(commit.Declared ? printing : null);
            view.SetEpochs(commit.Epochs);
            view.CanceledUnder = commit.CanceledUnder;
            Merge(view, commit.Unseen, commit.Canceled);
            unconfirmed = false;
            if (!commit.Declared)
            {
                if (commit.Unseen.Length == 0)
                {
                    // The list is shorter than this view: the store lost acknowledged writes. Reload.
                    throw new InvalidOperationException($"Slot {slot}: the store holds fewer messages than were loaded.");
                }

                // Someone appended what this view lacks; it may sort before the batch: choose again.
                continue;
            }

            if (expiring.Count > 0 && view.Expired(expiring) is { Count: > 0 } expired)
            {
                metrics.Expired(expired.Count);
                var first = expired[0];
                log.Expired(slot, expired.Count, new MessageId(view.SlotStartMs + first.OffsetMs, first.Seq, view.EpochOf(first.Seq)), now - (view.SlotStartMs + first.OffsetMs));
            }

            if (commit.Canceled.Length > 0 || expiring.Count > 0)
            {
                batch.RemoveAll(m => !view.IsPending(m));
            }

            if (batch.Count == 0)
            {
                continue;
            }

            if (batch.Exists(m => m.IsExpiredAt(view.SlotStartMs, NowMs)))
            {
                // A deadline passed during the commit's round trip (long on a slow store): declare the
                // batch again, recording it expired, before anything of the batch reaches the console.
                redeclare = true;
                continue;
            }

            receipt = await PrintAsync(view, batch);
            view.Printed(batch, printing);
            printedThisTurn = true;
            unconfirmed = true;
        }
    }

    /// <summary>
    /// Starts <paramref name="view"/> over from what the store loaded: its elements, epochs and cancels (see
    /// <see cref="SlotView.Load"/>), skipping what it or <paramref name="carried"/> knew printed. Returns how many
    /// messages it flagged, and how many only for lost commits.
    /// </summary>
    public static (int Flagged, int LostCommits) Load(SlotView view, SlotSnapshot snapshot, LostCommitWindow lostCommits, PrintedHere? carried = null)
    {
        view.CanceledUnder = snapshot.CanceledUnder;
        return view.Load(snapshot.Version, snapshot.PrintedCursor, snapshot.PrintingCursor, Array.ConvertAll(snapshot.Elements, SlotElement.Read), snapshot.Canceled, lostCommits, carried, snapshot.Epochs);
    }

    /// <summary>
    /// Takes in list elements the view has not seen (appended by writers since the load) and cancels.
    /// </summary>
    public static void Merge(SlotView view, RedisValue[] tail, int[] canceled) =>
        view.MergeUnseen(Array.ConvertAll(tail, SlotElement.Read), canceled);

    /// <summary>Prints the batch; returns its receipt, for the commit that confirms it.</summary>
    private async Task<string> PrintAsync(SlotView view, List<PendingMessage> batch)
    {
        var printedAt = NowMs;
        var lines = new EchoLine[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var m = batch[i];
            lines[i] = new EchoLine(new MessageId(view.SlotStartMs + m.OffsetMs, m.Seq, view.EpochOf(m.Seq)), m.Message, printedAt, m.Redelivered);
        }

        // If the console fails mid-batch the messages stay pending; the grain reloads and the
        // declared batch prints again, flagged.
        await sink.WriteAsync(lines);
        var redelivered = 0;
        PendingMessage? lastRedelivered = null;
        foreach (var m in batch)
        {
            if (m.Redelivered)
            {
                redelivered++;
                lastRedelivered = m;
            }

            metrics.Lateness(printedAt - (view.SlotStartMs + m.OffsetMs));
        }

        metrics.Printed(batch.Count, redelivered);
        var last = batch[^1];
        return BatchReceipt.Of(view.SlotStartMs, printedAt, last.OffsetMs, last.Seq, lastRedelivered is { } r ? (r.OffsetMs, r.Seq) : null);
    }
}

/// <summary>How a print turn ended.</summary>
internal enum PrintOutcome
{
    /// <summary>Everything due is printed and confirmed (or the turn ended; the rest waits for the next one).</summary>
    Done,

    /// <summary>Another activation holds the fence: this one must never print again.</summary>
    Fenced,

    /// <summary>
    /// This silo's offset to the store's clock is unknown or beyond the bound: nothing may print here now.
    /// </summary>
    ClockUnbounded,
}
