using System.Collections.Immutable;
using EchoAtTime.Grains.Clock;
using EchoAtTime.Grains.Output;
using EchoAtTime.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Owns one minute of due time. Accepting appends to the slot's Redis list (the list index is the
/// acceptance sequence). Near its minute the grain loads the list into a <see cref="SlotView"/> and
/// prints through the fenced <see cref="SlotPrinter"/>, woken by <see cref="SlotWakeups"/> at the
/// next due message, and only once <see cref="SlotOrder"/> says no earlier minute holds messages.
/// Its phase is one <see cref="SlotLifecycle"/>.
/// </summary>
public sealed partial class TimeSlotGrain(
    SlotStore store,
    IEchoSink sink,
    ClusterClock clock,
    DueClock dueClock,
    EchoMetrics metrics,
    IOptions<EchoOptions> options,
    ILogger<TimeSlotGrain> logger) : Grain, ITimeSlotGrain, IRemindable
{
    private readonly EchoOptions _options = options.Value;
    private readonly SlotLifecycle _life = new();
    private readonly SlotAppender _appender = new(store, metrics);
    private readonly SlotPrinter _printer = new(store, sink, metrics, clock, options.Value, logger);
    private long _slot;
    private SlotView _view = null!;
    private SlotOrder _order = null!;
    private SlotWakeups _wakeups = null!;

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private bool IsNear(long nowMs) => nowMs >= _view.SlotStartMs - (long)_options.WakeLead.TotalMilliseconds;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _slot = this.GetPrimaryKeyLong();
        _view = new SlotView(TimeSlot.StartMs(_slot));
        _order = new SlotOrder(_slot, store, GrainFactory, logger);
        _wakeups = new SlotWakeups(this, this.AsReference<ITimeSlotGrain>(), dueClock, RunAsync);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _wakeups.Stop();
        if (!_life.IsOver && IsNear(NowMs))
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
        if (IsNear(now) && _life.Phase == SlotPhase.Unloaded)
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
            var floorMs = _view.FloorMs(now);
            mine.Clear();
            foreach (var i in remaining)
            {
                dues[i] = Math.Max(messages[i].DueMs, floorMs);
                if (_life.MayAppend && TimeSlot.Of(dues[i]) == _slot)
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
            await _wakeups.EnsureReminderAsync(_view.SlotStartMs, _options.WakeLead, now);
            AppendResult? refusal;
            try
            {
                refusal = await _appender.AppendAsync(_slot, messages, dues, mine, results, _life.IsLoaded ? _view : null);
            }
            catch (Exception) when (_life.IsLoaded)
            {
                // The append may have run with its reply lost: this view can no longer tell what the
                // list holds. Read it again before printing, so such a message prints on time.
                _life.Unload();
                _wakeups.Retry();
                throw;
            }

            remaining.RemoveAll(i => results[i] != default);
            if (refusal is { IsClosed: true })
            {
                // A later slot closed this one: these messages are due "now", which is later.
                _life.Closed();
                await FinishQuietlyAsync();
            }
            else if (refusal?.FloorOffsetMs is { } floor)
            {
                // Another activation printed further than we knew: move the floor and clamp again.
                _view.RaiseFloor(floor);
            }
        }

        if (_life.IsLoaded && !_order.Waiting)
        {
            ArmTimer();
        }

        if (remaining.Count > 0)
        {
            if (_life.Phase is SlotPhase.Closed or SlotPhase.Finished)
            {
                foreach (var i in remaining)
                {
                    dues[i] = Math.Max(dues[i], _view.SlotEndMs);
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
            _view.Canceled(id.Seq);
            metrics.Canceled();
        }

        return outcome;
    }

    public Task Wake() => RunAsync();

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _wakeups.ReminderTicked();
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
}
