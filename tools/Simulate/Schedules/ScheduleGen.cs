using CsCheck;

namespace EchoAtTime.Simulate.Schedules;

/// <summary>
/// CsCheck generators of schedules: a list of steps weighted so that a schedule mostly runs the
/// protocol (writes, grain calls, the store carrying calls out, time) with faults among them. CsCheck
/// draws each schedule from a seed and shrinks a failing one to a shorter, simpler one.
/// </summary>
internal static class ScheduleGen
{
    private static readonly Gen<int> Silo = Gen.Int[0, 1];
    private static readonly Gen<int> Minute = Gen.Int[0, 2];
    private static readonly Gen<int> Offset = Gen.Frequency((3, (IGen<int>)Gen.Int[0, 59_999]), (2, Gen.Int[0, 200]), (2, Gen.Int[59_800, 59_999]));
    private static readonly Gen<int> Pick = Gen.Int[0, 1_000];

    public static Gen<Step[]> Steps(Faults faults, int maxSteps = 80)
    {
        var steps = new List<(int, IGen<Step>)>
        {
            (6, Gen.Select(Silo, Minute, Offset, Gen.Int[1, 3], Gen.Bool, (s, m, o, c, k) => (Step)new Write(s, m, o, c, k))),
            (1, Gen.Select(Silo, Pick, (s, p) => (Step)new Retry(s, p))),
            (2, Gen.Select(Silo, Pick, (s, p) => (Step)new Cancel(s, p))),
            (2, Gen.Select(Silo, Pick, Minute, Offset, (s, p, m, o) => (Step)new Move(s, p, m, o))),
            (1, Silo.Select(s => (Step)new RecoverMoves(s))),
            (5, Gen.Select(Silo, Minute, (s, m) => (Step)new Wake(s, m))),
            (2, Silo.Select(s => (Step)new Sweep(s))),
            (3, Pick.Select(p => (Step)new Deliver(p))),
            (30, Pick.Select(p => (Step)new Release(p))),
            (5, Gen.Frequency((3, (IGen<int>)Gen.Int[1, 500]), (2, Gen.Int[1_000, 20_000])).Select(ms => (Step)new Advance(ms))),
        };
        Add(faults, Faults.Reply, steps, 3, Pick.Select(p => (Step)new LoseReply(p)));
        Add(faults, Faults.Request, steps, 2, Pick.Select(p => (Step)new LoseRequest(p)));
        Add(faults, Faults.Crash, steps, 1, Silo.Select(s => (Step)new Crash(s)));
        Add(faults, Faults.Duplicate, steps, 2, Gen.Select(Silo, Minute, (s, m) => (Step)new SecondActivation(s, m)));
        Add(faults, Faults.Clock, steps, 1, Gen.Select(Silo, Gen.Int[-3_000, 3_000], (s, ms) => (Step)new ClockStep(s, ms)));
        Add(faults, Faults.Clock, steps, 1, Gen.Select(Silo, Gen.Int[0, 2_000], (s, ppm) => (Step)new ClockDrift(s, ppm)));
        Add(faults, Faults.Clock, steps, 1, Silo.Select(s => (Step)new Measure(s)));
        Add(faults, Faults.Retention, steps, 1, Minute.Select(m => (Step)new Expire(m)));
        Add(faults, Faults.Mail, steps, 1, Pick.Select(p => (Step)new DropMail(p)));
        Add(faults, Faults.Loss, steps, 1, Gen.Const((Step)new Persist()));
        Add(faults, Faults.Loss, steps, 1, Gen.Const((Step)new LoseWrites()));
        return Gen.Frequency([.. steps]).Array[1, maxSteps];
    }

    private static void Add(Faults enabled, Faults kind, List<(int, IGen<Step>)> steps, int weight, Gen<Step> gen)
    {
        if (enabled.HasFlag(kind))
        {
            steps.Add((weight, gen));
        }
    }
}
