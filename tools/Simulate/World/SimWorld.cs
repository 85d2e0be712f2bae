using EchoAtTime.Simulate.Gate;
using EchoAtTime.Storage;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EchoAtTime.Simulate.World;

/// <summary>
/// One schedule's world: the store's clock, the silos, the minutes' activations, the grain calls on
/// their way and what the consoles printed. Everything moves only when a step says so (see
/// SimWorld.Steps.cs); the product's code runs on this thread between the gate's answers.
/// </summary>
internal sealed partial class SimWorld : IStoreClock
{
    /// <summary>The schedule starts 50 s into a minute: minute 0 is printing soon, 1 and 2 are ahead.</summary>
    public const long StartMs = 1_893_456_000_000 + 50_000;

    public const int Silos = 2;

    private static readonly EchoMetrics SharedMetrics = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    private readonly StoreHost _store;
    private readonly SimSilo[] _silos = new SimSilo[Silos];
    private readonly int[] _incarnations = new int[Silos];
    private readonly Dictionary<long, List<SimActivation>> _activations = [];
    private readonly List<GrainMail> _mailbox = [];
    private readonly SlotStore _observer;
    private readonly List<string> _trace = [];
    private readonly HashSet<string> _crashed = [];
    private long _restartedAtMs = StartMs - 3_600_000;
    private int _activationCount;
    private int _step;

    public SimWorld(StoreHost store, int batchSize = 3)
    {
        _store = store;
        Gate.Clock = this;
        Options = new EchoOptions { BatchSize = batchSize, Retention = TimeSpan.FromHours(1) };
        _observer = new SlotStore(store.Connection, Microsoft.Extensions.Options.Options.Create(Options));
        store.Reset();
        StoreEpochs.Add(store.Epoch());
        for (var i = 0; i < Silos; i++)
        {
            StartSilo(i);
        }
    }

    public EchoOptions Options { get; }

    public static EchoMetrics Metrics => SharedMetrics;

    public StoreGate Gate { get; } = new();

    /// <summary>The store's clock: the one clock "never early" is judged by.</summary>
    public long NowMs { get; private set; } = StartMs;

    public List<PrintedRecord> Printed { get; } = [];

    public Ledger Ledger { get; } = new();

    /// <summary>The store's incarnations in this schedule, oldest first (each lossy restart adds one).</summary>
    public List<string> StoreEpochs { get; } = [];

    /// <summary>Operations that failed with something other than a store failure: a 500 from the API.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>
    /// Commits and drains refused as "the store restarted" when it had not: a reload and a retry, not a wrong print.
    /// </summary>
    public List<string> Reloads { get; } = [];

    /// <summary>Silo incarnations that were killed: a flagged repeat of their work is the one allowed.</summary>
    public IReadOnlySet<string> Crashed => _crashed;

    /// <summary>What happened, step by step, for a failing schedule's report.</summary>
    public IReadOnlyList<string> Trace => _trace;

    /// <summary>How long ago, by the store's clock, the store last started.</summary>
    public long RestartedAgoMs => NowMs - _restartedAtMs;

    public static long Minute(int index) => TimeSlot.Of(StartMs) + index;

    private SimSilo Silo(int index) => _silos[Math.Abs(index) % Silos];

    private void StartSilo(int index)
    {
        // A new incarnation's machine is the old one's: its wall clock keeps its error, its oscillator its rate.
        var silo = new SimSilo(this, _store.Connection, index, ++_incarnations[index], NowMs);
        if (_silos[index] is { } previous)
        {
            (silo.Wall.StepMs, silo.Wall.SlowPpm) = (previous.Wall.StepMs, previous.Wall.SlowPpm);
        }

        _silos[index] = silo;
        silo.Measure(NowMs, roundTripMs: 1);
    }

    /// <summary>
    /// A grain call on its way (a notice, a poke, a sweep's CheckAppended): the schedule delivers or loses it.
    /// </summary>
    public void Post(GrainMail mail) => _mailbox.Add(mail);

    /// <summary>
    /// The minute's live activation, or a new one on <paramref name="silo"/> (Orleans places it with the caller).
    /// </summary>
    private SimActivation ActivationOf(long minute, SimSilo silo, bool second = false)
    {
        if (!_activations.TryGetValue(minute, out var list))
        {
            _activations[minute] = list = [];
        }

        if (!second && list.LastOrDefault(a => !a.IsOver) is { } live)
        {
            return live;
        }

        // Orleans deactivated the ones that are over: each left what it knew printed with its silo, as the grain does.
        foreach (var over in list.Where(a => a.IsOver && a.Silo.IsAlive))
        {
            over.Deactivate();
        }

        var activation = new SimActivation(this, silo, minute, ++_activationCount);
        list.Add(activation);
        return activation;
    }

    /// <summary>
    /// Delivers a grain call: to the minute's activation, placed on the caller's silo (its live incarnation) if none.
    /// </summary>
    private void Deliver(GrainMail mail)
    {
        var caller = _silos.First(s => mail.FromSilo.StartsWith($"s{s.Index}#", StringComparison.Ordinal));
        ActivationOf(mail.Minute, caller).Call(mail.CheckAppendedDueMs);
        Quiescence.Settle();
    }

    /// <summary>
    /// Carries out a waiting call; its answer returns unless <paramref name="loseReply"/> or its process died.
    /// </summary>
    private void Carry(PendingCall call, bool loseReply)
    {
        Gate.Remove(call);
        var task = call.Execute();
        try
        {
            task.Wait();
        }
        catch (AggregateException)
        {
            // A script error is the store's answer: the caller gets it.
        }

        if (Gate.IsOrphan(call))
        {
            Note($"arrived from a dead process: {call} -> {Answer(task)}");
            return;
        }

        var answer = Answer(task);
        Note($"{(loseReply ? "lost reply" : "answered")}: {call} -> {answer}");
        if (Ledger.Losses.Count == 0 && ((call.What.StartsWith("ScriptEvaluate(Commit", StringComparison.Ordinal) && answer == "[2]")
            || (call.What.StartsWith("ScriptEvaluate(Drain", StringComparison.Ordinal) && answer == "R")))
        {
            Reloads.Add($"step {_step}: {call} refused as if the store had restarted, though it did not");
        }

        call.Complete(loseReply ? Task.FromException(new RedisConnectionException(ConnectionFailureType.SocketFailure, "simulated: the reply was lost")) : task);
        Quiescence.Settle();
    }

    private void Fail(PendingCall call)
    {
        Gate.Remove(call);
        if (!Gate.IsOrphan(call))
        {
            call.Complete(Task.FromException(new RedisConnectionException(ConnectionFailureType.SocketFailure, "simulated: the request was lost")));
            Quiescence.Settle();
        }
    }

    private void AdvanceTime(long ms)
    {
        NowMs += ms;
        foreach (var silo in _silos)
        {
            silo.Wall.Advance(ms);

            // The silo's clock sync measures every refresh (30 s).
            if (NowMs - silo.LastMeasuredMs >= (long)Options.ClockRefresh.TotalMilliseconds)
            {
                silo.Measure(NowMs, roundTripMs: 1);
            }
        }
    }

    private static string Answer(Task task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            return task.Exception?.InnerException?.Message ?? "failed";
        }

        var result = task.GetType().GetProperty("Result")?.GetValue(task);
        return result switch
        {
            StackExchange.Redis.RedisResult r => Describe(r),
            Array a => $"[{a.Length}]",
            _ => result?.ToString() ?? "",
        };
    }

    private static string Describe(StackExchange.Redis.RedisResult result) => result.Resp2Type switch
    {
        StackExchange.Redis.ResultType.Array => $"[{string.Join(",", ((StackExchange.Redis.RedisResult[])result!).Select(Describe))}]",
        _ => result.IsNull ? "nil" : result.ToString(),
    };

    private void Note(string text) => _trace.Add($"{_step,3} {text}");
}
