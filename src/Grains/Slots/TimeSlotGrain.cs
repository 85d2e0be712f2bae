using System.Collections.Immutable;
using EchoAtTime.Grains.Output;
using EchoAtTime.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Owns one minute of due time. Accepting appends to the slot's Redis list (the list index is the
/// acceptance sequence). Near its minute the grain loads the list, keeps it sorted in memory and
/// prints with one timer re-armed for the next due message. Every batch passes a fence in Redis
/// first, so a duplicate activation can't print, and a batch cut off by a crash is printed again,
/// flagged. A slot prints only when no earlier slot holds unprinted messages.
/// </summary>
public sealed partial class TimeSlotGrain(
    SlotStore store,
    IEchoSink sink,
    TimeProvider clock,
    DueClock dueClock,
    EchoMetrics metrics,
    IOptions<EchoOptions> options,
    ILogger<TimeSlotGrain> logger) : Grain, ITimeSlotGrain, IRemindable
{
    private const string ReminderName = "wake";

    // Retry pace while this slot waits for an earlier one, or after a store error. Only failure paths use it.
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    // The Orleans timer trails the due clock's precise wake-up by this much: it only matters if that wake-up is lost.
    private static readonly TimeSpan FallbackDelay = TimeSpan.FromMilliseconds(50);

    private readonly EchoOptions _options = options.Value;
    private readonly SortedSet<PendingMessage> _pending = [];

    // Sequences we appended ourselves beyond the contiguous loaded prefix of the list.
    private readonly HashSet<int> _heldBeyondLoaded = [];

    // Canceled sequences known to this activation: a commit sends the set only when it has grown.
    private readonly HashSet<int> _canceled = [];

    private long _slot;
    private long _slotStartMs;
    private bool _loaded;
    private bool _orderCleared;
    // Closed: the slot takes no more messages (drained, or closed by a later slot); done: the
    // cleanup after closing (index, reminder) has completed. Stopped: this activation lost the fence
    // to another one and must not print (appending stays safe: Redis enforces the floor).
    private bool _closed;
    private bool _done;
    private bool _stopped;
    private bool _waitingForEarlier;
    private bool _reminderRegistered;
    private long _version;
    private long _printedCursor = SlotCursor.None;
    private long _floorCursor = SlotCursor.None;
    private int _printedCount;
    private int _loadedCount;
    private IGrainTimer? _timer;
    private DueTicket? _dueTicket;

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private bool IsNear(long nowMs) => nowMs >= _slotStartMs - (long)_options.WakeLead.TotalMilliseconds;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _slot = this.GetPrimaryKeyLong();
        _slotStartMs = TimeSlot.StartMs(_slot);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _dueTicket?.Cancel();
        if (!_done && !_stopped && IsNear(NowMs))
        {
            // Leaving while the slot still has work (its silo shutting down, say): every batch so
            // far is confirmed, so a new activation elsewhere takes over cleanly. Poke it now rather
            // than waiting for the next sweep; the poke reaches the new activation once this one is gone.
            LogHandingOver(_slot, reason.ReasonCode);
            this.AsReference<ITimeSlotGrain>().Wake().Ignore();
        }

        return Task.CompletedTask;
    }

    public async Task<ImmutableArray<ScheduleResult>> Schedule(ImmutableArray<ScheduleRequest> messages)
    {
        var now = NowMs;
        if (IsNear(now) && !_loaded && !_closed && !_stopped)
        {
            // Load first: new messages must sort after anything an earlier activation already printed.
            await LoadAsync();
        }

        var results = new ScheduleResult[messages.Length];
        var dues = new long[messages.Length];
        var remaining = Enumerable.Range(0, messages.Length).ToList();
        var mine = new List<int>(messages.Length);
        for (var attempt = 0; remaining.Count > 0; attempt++)
        {
            // Nothing may be due before "now", nor at or before what this slot is already printing.
            var floorMs = Math.Max(now, _slotStartMs + SlotCursor.OffsetOf(_floorCursor));
            mine.Clear();
            foreach (var i in remaining)
            {
                dues[i] = Math.Max(messages[i].DueMs, floorMs);
                if (!_closed && TimeSlot.Of(dues[i]) == _slot)
                {
                    mine.Add(i);
                }
            }

            if (mine.Count == 0)
            {
                break;
            }

            if (attempt > 3)
            {
                throw new InvalidOperationException($"Slot {_slot}: append kept landing below the printing floor.");
            }

            // Before the append: if this fails, nothing was stored and the caller gets an error.
            await EnsureReminderAsync(now);
            AppendResult? refusal;
            try
            {
                refusal = await AppendAsync(messages, dues, mine, results);
            }
            catch (Exception) when (_loaded)
            {
                // The append may have run with its reply lost: this view can no longer tell what the
                // list holds. Read it again before printing, so such a message prints on time.
                _loaded = false;
                ArmRetry();
                throw;
            }

            remaining.RemoveAll(i => results[i] != default);
            if (refusal is { IsClosed: true })
            {
                // A later slot closed this one: these messages are due "now", which is later.
                _closed = true;
                await FinishQuietlyAsync();
            }
            else if (refusal?.FloorOffsetMs is { } floor)
            {
                // Another activation printed further than we knew: move the floor and clamp again.
                _floorCursor = Math.Max(_floorCursor, SlotCursor.Of(floor, int.MaxValue));
            }
        }

        if (_loaded && !_stopped && !_waitingForEarlier)
        {
            ArmTimer();
        }

        if (remaining.Count > 0)
        {
            if (_closed)
            {
                foreach (var i in remaining)
                {
                    dues[i] = Math.Max(dues[i], TimeSlot.EndMs(_slot));
                }
            }

            await ForwardAsync(messages, dues, remaining, results);
        }

        return ImmutableArray.Create(results);
    }

    public async Task<MessageStatus> GetStatus(MessageId id) =>
        id.Slot == _slot ? await store.StatusAsync(id) : MessageStatus.Unknown;

    public async Task<CancelOutcome> Cancel(MessageId id)
    {
        if (id.Slot != _slot)
        {
            return CancelOutcome.Unknown;
        }

        // Atomic with the fence: refused once the message is in a declared (printing) batch.
        var (outcome, now) = await store.CancelAsync(id);
        if (now)
        {
            _canceled.Add(id.Seq);
            _pending.RemoveWhere(m => m.Seq == id.Seq);
            metrics.Canceled();
        }

        return outcome;
    }

    /// <summary>
    /// Appends this slot's share (<paramref name="mine"/>) and fills in <paramref name="results"/>
    /// for what was stored; returns the refusal (closed, or below the floor) that stopped the rest.
    /// </summary>
    private async Task<AppendResult?> AppendAsync(ImmutableArray<ScheduleRequest> messages, long[] dues, List<int> mine, ScheduleResult[] results)
    {
        var plain = mine.Where(i => messages[i].IdempotencyKey is null).ToList();
        var keyed = mine.Where(i => messages[i].IdempotencyKey is not null).ToList();
        if (plain.Count > 0)
        {
            var elements = plain.Select(i => SlotElement.Encode(TimeSlot.OffsetMs(dues[i]), messages[i].Message)).ToArray();
            var appended = await store.AppendAsync(_slot, elements, plain.Min(i => TimeSlot.OffsetMs(dues[i])));
            if (appended.IsClosed || appended.FloorOffsetMs is not null)
            {
                return appended;
            }

            Accept(messages, dues, plain, appended.Seqs, results);
        }

        if (keyed.Count > 0)
        {
            var items = keyed.Select(i => (SlotElement.Encode(TimeSlot.OffsetMs(dues[i]), messages[i].Message), dues[i], messages[i].IdempotencyKey!, messages[i].Fingerprint ?? "")).ToArray();
            var appended = await store.AppendKeyedAsync(_slot, items, keyed.Min(i => TimeSlot.OffsetMs(dues[i])));
            if (appended.IsClosed || appended.FloorOffsetMs is not null)
            {
                return appended;
            }

            for (var k = 0; k < keyed.Count; k++)
            {
                if (appended.Repeats![k] is { } repeat)
                {
                    results[keyed[k]] = repeat;
                }
            }

            var fresh = Enumerable.Range(0, keyed.Count).Where(k => appended.Seqs[k] >= 0).ToList();
            Accept(messages, dues, fresh.Select(k => keyed[k]).ToList(), fresh.Select(k => appended.Seqs[k]).ToArray(), results);
        }

        return null;
    }

    private void Accept(ImmutableArray<ScheduleRequest> messages, long[] dues, List<int> indexes, int[] seqs, ScheduleResult[] results)
    {
        metrics.Scheduled(indexes.Count);
        for (var k = 0; k < indexes.Count; k++)
        {
            var i = indexes[k];
            results[i] = new ScheduleResult(new MessageId(dues[i], seqs[k]), ScheduleOutcome.Accepted);
            Remember(new PendingMessage(TimeSlot.OffsetMs(dues[i]), seqs[k], messages[i].Message, Redelivered: false));
        }
    }

    public Task Wake() => RunAsync();

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _reminderRegistered = true;
        await RunAsync();
    }

    private async Task ForwardAsync(ImmutableArray<ScheduleRequest> messages, long[] dues, List<int> indexes, ScheduleResult[] results)
    {
        var calls = indexes
            .GroupBy(i => TimeSlot.Of(dues[i]))
            .Select(async group =>
            {
                var batch = group.Select(i => messages[i] with { DueMs = dues[i] }).ToImmutableArray();
                var forwarded = await GrainFactory.GetGrain<ITimeSlotGrain>(group.Key).Schedule(batch);
                var k = 0;
                foreach (var i in group)
                {
                    results[i] = forwarded[k++];
                }
            });
        await Task.WhenAll(calls);
    }

    private void Remember(PendingMessage message)
    {
        if (!_loaded)
        {
            return;
        }

        if (message.Seq == _loadedCount)
        {
            _loadedCount++;
            while (_heldBeyondLoaded.Remove(_loadedCount))
            {
                _loadedCount++;
            }
        }
        else
        {
            _heldBeyondLoaded.Add(message.Seq);
        }

        _pending.Add(message);
    }

    /// <summary>
    /// Takes in list elements from <see cref="_loadedCount"/> on that another activation appended,
    /// and drops messages canceled through another activation.
    /// </summary>
    private void MergeUnseen(RedisValue[] tail, int[] canceled)
    {
        var gone = canceled.Where(_canceled.Add).ToHashSet();
        if (gone.Count > 0 && _pending.Count > 0)
        {
            _pending.RemoveWhere(m => gone.Contains(m.Seq));
        }

        foreach (var element in tail)
        {
            var seq = _loadedCount++;
            if (_heldBeyondLoaded.Remove(seq) || _canceled.Contains(seq))
            {
                continue;
            }

            var (offset, message) = SlotElement.Decode(element);
            _pending.Add(new PendingMessage(offset, seq, message, Redelivered: false));
            LogUnseenMessage(_slot, seq);
        }
    }

    private async Task RunAsync()
    {
        if (_stopped || _done)
        {
            return;
        }

        try
        {
            if (_closed)
            {
                await FinishAsync(pokeNext: true);
                return;
            }

            var now = NowMs;
            if (!IsNear(now))
            {
                await EnsureReminderAsync(now);
                return;
            }

            if (!_loaded && !await LoadAsync())
            {
                await FinishAsync(pokeNext: false);
                return;
            }

            if (!await EnsureOrderClearedAsync() || !await PrintDueAsync())
            {
                return;
            }

            if (_pending.Count == 0 && NowMs >= TimeSlot.EndMs(_slot))
            {
                await DrainAsync();
                return;
            }

            ArmTimer();
        }
        catch (Exception ex)
        {
            // Redis down or slow, a reminder or grain call failing, the console failing: never give
            // up on a slot. Whatever was in flight, Redis holds the truth: reload it next time (a
            // batch declared but not confirmed then prints again, flagged).
            LogStoreError(ex, _slot);
            _loaded = false;
            ArmRetry();
        }
    }

    /// <summary>True once no earlier slot holds messages; otherwise pokes it and retries later.</summary>
    private async Task<bool> EnsureOrderClearedAsync()
    {
        if (_orderCleared || !HasDue(NowMs))
        {
            return true;
        }

        if (await ClearEarlierSlotsAsync())
        {
            _waitingForEarlier = false;
            return true;
        }

        _waitingForEarlier = true;
        ArmRetry();
        return false;
    }

    /// <summary>Reads the slot. False when it turns out already finished.</summary>
    private async Task<bool> LoadAsync()
    {
        var snapshot = await store.LoadAsync(_slot);
        if (snapshot.Closed)
        {
            _closed = true;
            return false;
        }

        _version = snapshot.Version;
        _printedCursor = snapshot.PrintedCursor;
        _floorCursor = Math.Max(snapshot.PrintedCursor, snapshot.PrintingCursor);
        _printedCount = 0;
        _pending.Clear();
        _heldBeyondLoaded.Clear();
        var redelivered = 0;
        _canceled.Clear();
        _canceled.UnionWith(snapshot.Canceled);
        for (var seq = 0; seq < snapshot.Elements.Length; seq++)
        {
            if (_canceled.Contains(seq))
            {
                // Never printed and never counted as printed: Close counts canceled ones on its own.
                continue;
            }

            var (offset, message) = SlotElement.Decode(snapshot.Elements[seq]);
            var cursor = SlotCursor.Of(offset, seq);
            if (cursor <= snapshot.PrintedCursor)
            {
                _printedCount++;
                continue;
            }

            // Declared by a batch that was cut off: it may have printed, so it prints again, flagged.
            var inDoubt = cursor <= snapshot.PrintingCursor;
            redelivered += inDoubt ? 1 : 0;
            _pending.Add(new PendingMessage(offset, seq, message, inDoubt));
        }

        _loadedCount = snapshot.Elements.Length;
        _loaded = true;
        LogLoaded(_slot, _pending.Count, _printedCount, redelivered);
        return true;
    }

    private bool HasDue(long nowMs) => _pending.Count > 0 && _slotStartMs + _pending.Min!.OffsetMs <= nowMs;

    /// <summary>
    /// Order across slots: closes the previous minute (so nothing can still join it), then makes
    /// sure no earlier slot holds unprinted messages. Fully printed earlier slots are closed on their
    /// owner's behalf; one still printing is poked and we wait for it to poke us back.
    /// </summary>
    private async Task<bool> ClearEarlierSlotsAsync()
    {
        await store.CloseAsync(_slot - 1);
        while (true)
        {
            var earliest = await store.EarliestPendingAsync();
            if (earliest is null || earliest >= _slot)
            {
                _orderCleared = true;
                return true;
            }

            var earlier = GrainFactory.GetGrain<ITimeSlotGrain>(earliest.Value);
            if (await store.CloseAsync(earliest.Value))
            {
                await store.RemoveFromIndexAsync(earliest.Value);
                earlier.Wake().Ignore();
                continue;
            }

            LogWaitingForEarlierSlot(_slot, earliest.Value);
            earlier.Wake().Ignore();
            return false;
        }
    }

    /// <summary>
    /// Prints what is due, batch by batch, each behind the fence, for at most one print turn; the
    /// caller re-arms the timer for the rest. Every batch is confirmed on return. False when fenced.
    /// </summary>
    private async Task<bool> PrintDueAsync()
    {
        var batch = new List<PendingMessage>(Math.Min(_options.BatchSize, 1024));
        var unconfirmed = false;
        var turnEndsMs = NowMs + (long)_options.PrintTurn.TotalMilliseconds;
        var printedThisTurn = false;
        while (true)
        {
            var now = NowMs;
            var turnOver = printedThisTurn && now >= turnEndsMs;
            batch.Clear();
            foreach (var message in _pending)
            {
                if (turnOver || _slotStartMs + message.OffsetMs > now || batch.Count == _options.BatchSize)
                {
                    break;
                }

                batch.Add(message);
            }

            if (batch.Count == 0 && !unconfirmed)
            {
                return true;
            }

            // One round trip confirms the previous batch and declares this one.
            var printing = batch.Count > 0 ? Math.Max(_printedCursor, batch[^1].Cursor) : _printedCursor;
            var commit = await store.CommitAsync(_slot, _version, _printedCursor, _printedCount, printing, _loadedCount, _canceled.Count);
            if (commit is null)
            {
                await FencedAsync();
                return false;
            }

            _version++;
            MergeUnseen(commit.Unseen, commit.Canceled);
            unconfirmed = false;
            if (!commit.Declared)
            {
                if (commit.Unseen.Length == 0)
                {
                    // The list is shorter than this view: the store lost acknowledged writes. Reload.
                    throw new InvalidOperationException($"Slot {_slot}: the store holds fewer messages than were loaded.");
                }

                // Someone appended what this view lacks; it may sort before the batch: choose again.
                continue;
            }

            _floorCursor = Math.Max(_floorCursor, printing);
            if (commit.Canceled.Length > 0)
            {
                batch.RemoveAll(m => !_pending.Contains(m));
            }

            if (batch.Count == 0)
            {
                continue;
            }

            Print(batch);
            printedThisTurn = true;
            _printedCursor = printing;
            _printedCount += batch.Count;
            unconfirmed = true;
        }
    }

    private void Print(List<PendingMessage> batch)
    {
        var printedAt = NowMs;
        var lines = new EchoLine[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var m = batch[i];
            lines[i] = new EchoLine(new MessageId(_slotStartMs + m.OffsetMs, m.Seq), m.Message, printedAt, m.Redelivered);
        }

        // If the console fails mid-batch the messages stay pending; RunAsync reloads and the
        // declared batch prints again, flagged.
        sink.Write(lines);
        var redelivered = 0;
        foreach (var m in batch)
        {
            _pending.Remove(m);
            redelivered += m.Redelivered ? 1 : 0;
            metrics.Lateness(printedAt - (_slotStartMs + m.OffsetMs));
        }

        metrics.Printed(batch.Count, redelivered);
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            var (outcome, unseen) = await store.DrainAsync(_slot, _version, _loadedCount);
            switch (outcome)
            {
                case DrainOutcome.Fenced:
                    await FencedAsync();
                    return;
                case DrainOutcome.UnseenMessages:
                    MergeUnseen(unseen, []);
                    if (!await EnsureOrderClearedAsync() || !await PrintDueAsync())
                    {
                        return;
                    }

                    if (_pending.Count > 0)
                    {
                        // The print turn ended first: drain once the rest is printed.
                        ArmTimer();
                        return;
                    }

                    continue;
                default:
                    LogDrained(_slot, _printedCount);
                    await FinishAsync(pokeNext: true);
                    return;
            }
        }
    }

    /// <summary>
    /// Cleanup of a closed slot: out of the index (safe, the slot refuses appends), next slot poked,
    /// reminder gone, activation released. Retried by <see cref="RunAsync"/> until it completes.
    /// </summary>
    private async Task FinishAsync(bool pokeNext)
    {
        _closed = true;
        await store.RemoveFromIndexAsync(_slot);
        if (pokeNext && await store.EarliestPendingAsync() is { } next)
        {
            GrainFactory.GetGrain<ITimeSlotGrain>(next).Wake().Ignore();
        }

        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _done = true;
        StopWaking();
        DeactivateOnIdle();
    }

    private async Task FinishQuietlyAsync()
    {
        try
        {
            await FinishAsync(pokeNext: false);
        }
        catch (Exception ex)
        {
            LogStoreError(ex, _slot);
            ArmRetry();
        }
    }

    private Task FencedAsync()
    {
        LogFenced(_slot);
        _stopped = true;
        StopWaking();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private async Task EnsureReminderAsync(long nowMs)
    {
        if (_reminderRegistered)
        {
            return;
        }

        // Never a zero due time: Orleans skips the first tick then. The reminder is the durable
        // retry net; the timer, not the reminder, is what makes printing punctual.
        var due = TimeSpan.FromMilliseconds(Math.Max(1_000, _slotStartMs - (long)_options.WakeLead.TotalMilliseconds - nowMs));
        await this.RegisterOrUpdateReminder(ReminderName, due, TimeSpan.FromMinutes(1));
        _reminderRegistered = true;
    }

    private void ArmTimer()
    {
        if (_done || _stopped)
        {
            return;
        }

        var now = NowMs;
        var wakeAt = _pending.Count > 0 ? _slotStartMs + _pending.Min!.OffsetMs : TimeSlot.EndMs(_slot);
        if (wakeAt <= now)
        {
            Arm(TimeSpan.Zero);
            return;
        }

        if (_dueTicket is not { Pending: true } ticket || ticket.DueMs != wakeAt)
        {
            _dueTicket?.Cancel();
            var self = this.AsReference<ITimeSlotGrain>();
            _dueTicket = dueClock.WakeAt(wakeAt, () => self.Wake().Ignore());
        }

        Arm(TimeSpan.FromMilliseconds(wakeAt - now) + FallbackDelay);
    }

    private void ArmRetry()
    {
        _dueTicket?.Cancel();
        Arm(RetryDelay);
    }

    private void StopWaking()
    {
        _dueTicket?.Cancel();
        _timer?.Dispose();
        _timer = null;
    }

    private void Arm(TimeSpan dueTime)
    {
        if (_done || _stopped)
        {
            return;
        }

        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(
                static (grain, _) => grain.RunAsync(),
                this,
                new GrainTimerCreationOptions { DueTime = dueTime, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
        }
        else
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
    }
}
