using System.Collections.Concurrent;
using EchoAtTime.Grains.Slots;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// The slot's precise wake-up (<see cref="DueClock"/> at <see cref="SlotView.NextWakeMs"/>, what a slot
/// activation arms after each print turn) under fake time: nothing else runs here (no grain timer, no
/// sweeper), so what prints, prints because the due clock woke at the due millisecond.
/// </summary>
public sealed class DueClockFakeTimeTests
{
    private const long SlotStartMs = 1_795_428_000_000; // 2026-11-23T10:00:00Z, a minute boundary
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_slot_wakes_and_prints_when_fake_time_reaches_the_due_millisecond_and_not_a_millisecond_before()
    {
        var time = new WatchedTime(DateTimeOffset.FromUnixTimeMilliseconds(SlotStartMs));
        using var clock = new DueClock(time, NullLogger<DueClock>.Instance);
        var view = new SlotView(SlotStartMs);
        view.Load(0, SlotCursor.None, SlotCursor.None, [(30_000, "due at :30"), (45_000, "due at :45")], []);
        var printed = new ConcurrentQueue<(string Message, long AtMs)>();
        var idleWakes = 0;

        // What a slot does when woken: print what is due by the clock, then arm the next wake-up.
        void Wake()
        {
            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var batch = new List<PendingMessage>();
            view.NextBatch(nowMs, 100, batch);
            foreach (var message in batch)
            {
                printed.Enqueue((message.Message, nowMs));
            }

            if (batch.Count > 0)
            {
                view.Printed(batch, batch[^1].Cursor);
            }
            else
            {
                // Woken with nothing due: before the due time.
                Interlocked.Increment(ref idleWakes);
            }

            if (view.PendingCount > 0)
            {
                clock.WakeAt(view.NextWakeMs, Wake);
            }
        }

        clock.WakeAt(view.NextWakeMs, Wake);
        await Conditions.WaitForAsync(() => Task.FromResult(time.WasArmed(TimeSpan.FromSeconds(30))), Bound, "the due clock did not arm its wait for the first due time");

        // 30 s of fake time at once: the clock's thread waits 30 real seconds by the machine's clock, so the
        // message prints within the bound only because reaching the due time on the fake clock woke it.
        time.Advance(TimeSpan.FromSeconds(30));
        await Conditions.WaitForAsync(() => Task.FromResult(!printed.IsEmpty), Bound, "advancing the fake clock to the due time did not wake the slot");
        Assert.Equal(new[] { ("due at :30", SlotStartMs + 30_000) }, printed.ToArray());

        // One millisecond before the next: a probe due now makes the clock look at its queue at that instant
        // (nothing else would wake it), and once it has armed its wait for the remaining millisecond it has
        // judged the message not due. A clock that woke early would have printed it instead.
        time.Advance(TimeSpan.FromMilliseconds(14_999));
        var probed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        time.ClearArmed();
        clock.WakeAt(time.GetUtcNow().ToUnixTimeMilliseconds(), probed.SetResult);
        await probed.Task.WaitAsync(Bound);
        await Conditions.WaitForAsync(
            () => Task.FromResult(printed.Count > 1 || Volatile.Read(ref idleWakes) > 0 || time.WasArmed(TimeSpan.FromMilliseconds(1))),
            Bound,
            "the due clock neither printed nor armed its wait one millisecond before the due time");
        Assert.True(printed.Count == 1 && Volatile.Read(ref idleWakes) == 0, $"woke the slot early: {idleWakes} wake-up(s) with nothing due; printed {string.Join(", ", printed)}");

        time.Advance(TimeSpan.FromMilliseconds(1));
        await Conditions.WaitForAsync(() => Task.FromResult(printed.Count > 1), Bound, "reaching the second due time did not wake the slot");
        Assert.Equal(new[] { ("due at :30", SlotStartMs + 30_000), ("due at :45", SlotStartMs + 45_000) }, printed.ToArray());
        Assert.Equal(0, Volatile.Read(ref idleWakes));
    }

    /// <summary>
    /// A fake clock that records every wait armed on its timers, so a test can tell when the due clock has looked and
    /// chosen to wait.
    /// </summary>
    private sealed class WatchedTime(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly ConcurrentQueue<TimeSpan> _armed = new();

        public bool WasArmed(TimeSpan dueTime) => _armed.Contains(dueTime);

        public void ClearArmed() => _armed.Clear();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new Watched(base.CreateTimer(callback, state, dueTime, period), _armed);

        private sealed class Watched(ITimer inner, ConcurrentQueue<TimeSpan> armed) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                armed.Enqueue(dueTime);
                return inner.Change(dueTime, period);
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
