using EchoAtTime.Simulate.Gate;
using EchoAtTime.Storage;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// After the schedule: no more faults. Calls of dead processes that never arrived are gone, clocks are
/// set right, clients retry what they had no answer for, and the cluster runs — every call carried out,
/// every grain call delivered, sweeps and move recovery — until nothing is pending or a round limit says
/// it is stuck. Then the invariants are checked on everything that happened.
/// </summary>
internal sealed partial class SimWorld
{
    private const int HealRounds = 40;

    // Store and grain calls one RunAll carries out before it calls the cluster stuck: a schedule of a few dozen steps
    // settles in hundreds. A printer that loops without ever waiting (a drain answered an empty tail, for ever) would
    // otherwise keep the run busy for hours and never report a seed.
    private const int CallsUntilQuiet = 20_000;

    private bool _livelocked;

    public void Heal()
    {
        _step++;
        Note("heal: no more faults from here");
        // What dead processes still had on the wire never arrives now: all of it, not only the first of each lane
        // (a later call of a connection cannot arrive without the ones before it).
        Gate.RemoveOrphans();

        foreach (var silo in _silos)
        {
            // NTP sets the machine right: its wall clock on the store's, its oscillator at its rate.
            silo.Wall.SlowPpm = 0;
            silo.Wall.StepMs += NowMs - silo.Wall.GetUtcNow().ToUnixTimeMilliseconds();
            silo.Measure(NowMs, roundTripMs: 1);
            silo.Measure(NowMs, roundTripMs: 1);
        }

        RunAll();

        // A client without a definite answer for a keyed message sends it again: a 503 is safe to retry under a key.
        foreach (var message in Ledger.Messages.Where(m => m.Key is not null && !m.Answers.Any(a => a.Result is { Outcome: ScheduleOutcome.Accepted or ScheduleOutcome.Repeated })))
        {
            Send(_silos[0], [message]);
        }

        var lastMinuteEnd = TimeSlot.StartMs(Minute(2)) + TimeSlot.LengthMs;
        for (var round = 0; round < HealRounds; round++)
        {
            RunAll();
            foreach (var silo in _silos)
            {
                Run(silo, "recover", s => s.Mover.RecoverOnceAsync());
                Run(silo, "sweep", s => s.Sweeper.SweepOnceAsync());
                RunAll();
            }

            foreach (var activation in _activations.Values.SelectMany(a => a).Where(a => !a.IsOver).ToList())
            {
                activation.Call(null);
                Quiescence.Settle();
            }

            RunAll();
            if (_livelocked || IsDone())
            {
                return;
            }

            // Time passes: the minutes come due, a move left behind is old enough to recover.
            AdvanceTime(NowMs < lastMinuteEnd ? Math.Min(lastMinuteEnd - NowMs + 1_000, 20_000) : 1_000);
        }

        Note($"heal: still pending after {HealRounds} rounds");
    }

    /// <summary>
    /// Carries out every waiting call and delivers every grain call until none is left; past
    /// <see cref="CallsUntilQuiet"/> a livelock, which is a violation.
    /// </summary>
    private void RunAll()
    {
        if (_livelocked)
        {
            return;
        }

        for (var i = 0; i < CallsUntilQuiet; i++)
        {
            if (Gate.Heads() is { Count: > 0 } heads)
            {
                Carry(heads[0], loseReply: false);
            }
            else if (_mailbox.Count > 0)
            {
                var mail = _mailbox[0];
                _mailbox.RemoveAt(0);
                Deliver(mail);
            }
            else
            {
                return;
            }
        }

        _livelocked = true;
        Errors.Add($"livelock: {CallsUntilQuiet} store and grain calls in a row without the cluster going quiet");
    }

    private bool IsDone() =>
        Gate.Count == 0 && _mailbox.Count == 0
        && _observer.PendingSlotsThroughAsync(long.MaxValue, 1).GetAwaiter().GetResult().Length == 0
        && _observer.MoveIntentsAsync(long.MaxValue, 1).GetAwaiter().GetResult().Length == 0;
}
