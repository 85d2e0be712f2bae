using EchoAtTime.Storage;
using EchoAtTime.Simulate.Gate;
using EchoAtTime.Simulate.Schedules;

namespace EchoAtTime.Simulate.World;

/// <summary>The steps: each one an explicit thing that happens, applied in the schedule's order.</summary>
internal sealed partial class SimWorld
{
    private int _texts;
    private int _persistedAt = -1;

    public void Apply(Step step)
    {
        _step++;
        switch (step)
        {
            case Write w:
                var messages = Enumerable.Range(0, Math.Clamp(w.Count, 1, 4))
                    .Select(_ => new SentMessage($"m{++_texts}", TimeSlot.StartMs(Minute(w.Minute)) + w.OffsetMs, w.Keyed ? $"k{_texts}" : null))
                    .ToList();
                Ledger.Messages.AddRange(messages);
                Send(Silo(w.Silo), messages);
                break;
            case Retry r when Ledger.Messages.Where(m => m.Key is not null).ToList() is { Count: > 0 } keyed:
                Send(Silo(r.Silo), [keyed[Math.Abs(r.Pick) % keyed.Count]]);
                break;
            case Cancel c when Ledger.Accepted.Count > 0:
                StartCancel(Silo(c.Silo), Ledger.Accepted[Math.Abs(c.Pick) % Ledger.Accepted.Count]);
                break;
            case Move m when Ledger.Accepted.Count > 0:
                StartMove(Silo(m.Silo), Ledger.Accepted[Math.Abs(m.Pick) % Ledger.Accepted.Count], TimeSlot.StartMs(Minute(m.Minute)) + m.OffsetMs);
                break;
            case RecoverMoves rm:
                Run(Silo(rm.Silo), "recover", s => s.Mover.RecoverOnceAsync());
                break;
            case Wake wk:
                ActivationOf(Minute(wk.Minute), Silo(wk.Silo)).Call(null);
                Quiescence.Settle();
                break;
            case SecondActivation sa:
                ActivationOf(Minute(sa.Minute), Silo(sa.Silo), second: true).Call(null);
                Quiescence.Settle();
                break;
            case Sweep sw:
                Run(Silo(sw.Silo), "sweep", s => s.Sweeper.SweepOnceAsync());
                break;
            case Deliver d when _mailbox.Count > 0:
                var mail = _mailbox[Math.Abs(d.Pick) % _mailbox.Count];
                _mailbox.Remove(mail);
                Deliver(mail);
                break;
            case DropMail dm when _mailbox.Count > 0:
                _mailbox.RemoveAt(Math.Abs(dm.Pick) % _mailbox.Count);
                break;
            case Release or LoseReply or LoseRequest when Gate.Heads() is { Count: > 0 } heads:
                var pick = step switch { Release x => x.Pick, LoseReply x => x.Pick, LoseRequest x => x.Pick, _ => 0 };
                var call = heads[Math.Abs(pick) % heads.Count];
                if (step is Release)
                {
                    Carry(call, loseReply: false);
                    return;
                }

                // The connection broke: what was pipelined behind the call on it never reached the store either.
                var behind = Gate.Behind(call);
                if (step is LoseRequest)
                {
                    Note($"lost request: {call}");
                    Fail(call);
                }
                else
                {
                    Carry(call, loseReply: true);
                }

                foreach (var next in behind)
                {
                    Note($"lost request behind it: {next}");
                    Fail(next);
                }

                return;
            case Crash cr:
                var dead = Silo(cr.Silo);
                dead.Die();
                Gate.Orphan(dead.Name + "/");
                _crashed.Add(dead.Name);
                StartSilo(dead.Index);
                break;
            case Advance a:
                AdvanceTime(Math.Clamp(a.Ms, 0, 120_000));
                break;
            case ClockStep cs:
                Silo(cs.Silo).Wall.StepMs += cs.Ms;
                break;
            case ClockDrift cd:
                Silo(cd.Silo).Wall.SlowPpm = Math.Clamp(cd.Ppm, 0, 100_000);
                break;
            case Measure me:
                Silo(me.Silo).Measure(NowMs, roundTripMs: 1);
                break;
            case Expire e:
                ExpireMinute(Minute(e.Minute));
                break;
            case Persist:
                _store.Persist();
                _persistedAt = _step;
                break;
            case LoseWrites:
                _store.LoseWritesAsync().GetAwaiter().GetResult();
                StoreEpochs.Add(_store.Epoch());

                // The crash broke every connection: what was on the wire fails, nothing crosses into the new
                // incarnation.
                Gate.RemoveOrphans();
                foreach (var broken in Gate.Pending())
                {
                    Note($"lost with the store: {broken}");
                    Fail(broken);
                }

                _restartedAtMs = NowMs;
                Ledger.Losses.Add((_persistedAt, _step));
                break;
            default:
                return;
        }

        Note(step.ToString());
    }

    private void Send(SimSilo silo, List<SentMessage> messages)
    {
        var step = _step;
        Run(silo, "w", s => s.Writer.WriteAsync([.. messages.Select(m => m.Request())]), results =>
        {
            for (var i = 0; i < messages.Count; i++)
            {
                Ledger.Answered(messages[i], results?[i], step, _step);
            }
        });
    }

    private void StartCancel(SimSilo silo, MessageId id)
    {
        Ledger.Touched.Add(id);
        Run(silo, "cancel", s => s.Writer.CancelAsync(id), outcome => Ledger.Cancels.Add((id, outcome, _step)), failed => Ledger.Cancels.Add((id, null, _step)));
    }

    private void StartMove(SimSilo silo, MessageId id, long newDueMs)
    {
        Ledger.Touched.Add(id);
        Run(silo, "move", s => s.Mover.MoveAsync(id, newDueMs), record =>
        {
            Ledger.Moves.Add((id, record, _step));
            if (record is { Step: MoveStep.Arrived, NewId: { } newId } && !Ledger.Accepted.Contains(newId))
            {
                Ledger.Accepted.Add(newId);
            }
        }, failed => Ledger.Moves.Add((id, null, _step)));
    }

    /// <summary>
    /// Starts an operation on the silo as its own lane; <paramref name="done"/> sees its result when it
    /// completes (null when it failed), unless the silo died first: a dead process answers nobody.
    /// </summary>
    private void Run<T>(SimSilo silo, string kind, Func<SimSilo, Task<T>> operation, Action<T?>? done = null, Action<Exception>? failed = null)
    {
        var name = silo.NextOperation(kind);
        var task = SimContext.Start(name, () => operation(silo));
        task.ContinueWith(
            t =>
            {
                if (!silo.IsAlive)
                {
                    return;
                }

                if (t.IsCompletedSuccessfully)
                {
                    done?.Invoke(t.Result);
                }
                else
                {
                    var error = t.Exception!.InnerException!;
                    if (error is not (StackExchange.Redis.RedisException or TimeoutException))
                    {
                        // Not a store failure (a 503): an answer the API would give as a 500.
                        Errors.Add($"{name}: {error.GetType().Name}: {error.Message}");
                    }

                    (failed ?? (_ => done?.Invoke(default)))(error);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        Quiescence.Settle();
    }

    private void ExpireMinute(long minute)
    {
        var keys = new StackExchange.Redis.RedisKey[] { $"{Options.KeyPrefix}{{s:{minute}}}:m", $"{Options.KeyPrefix}{{s:{minute}}}:c", $"{Options.KeyPrefix}{{s:{minute}}}:k" };
        if (!_store.Connection.GetDatabase().HashExists(keys[0], "x"))
        {
            // Only a finished minute's summary expires: retention counts from the close.
            return;
        }

        _store.Expire([.. keys, .. _store.ReservationsOf(minute)]);
        Ledger.Expired.TryAdd(minute, _step);
    }
}
