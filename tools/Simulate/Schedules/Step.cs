namespace EchoAtTime.Simulate.Schedules;

/// <summary>
/// One step of a schedule: a client request, a grain call, the store carrying out a call, a fault,
/// or time passing. Numbers that choose among what exists then ("pick") are taken modulo its count,
/// so any list of steps is a valid schedule and shrinking never makes one invalid.
/// </summary>
internal abstract record Step;

/// <summary>
/// A client posts <paramref name="Count"/> messages for minute <paramref name="Minute"/> of the schedule (0–2).
/// </summary>
internal sealed record Write(int Silo, int Minute, int OffsetMs, int Count, bool Keyed) : Step;

/// <summary>A client sends an earlier keyed request again, as after a 503 or no answer.</summary>
internal sealed record Retry(int Silo, int Pick) : Step;

internal sealed record Cancel(int Silo, int Pick) : Step;

/// <summary>A reschedule (PATCH) of an accepted message to another time.</summary>
internal sealed record Move(int Silo, int Pick, int Minute, int OffsetMs) : Step;

/// <summary>The silo's MoveRecovery round: finishes or calls off moves older than 5 s.</summary>
internal sealed record RecoverMoves(int Silo) : Step;

/// <summary>A call to a minute's grain from a silo (placed there when it has no activation).</summary>
internal sealed record Wake(int Silo, int Minute) : Step;

/// <summary>Orleans activates the minute a second time, on this silo, while the first lives.</summary>
internal sealed record SecondActivation(int Silo, int Minute) : Step;

/// <summary>The silo's sweep: reads the pending index and sends CheckAppended to what is near.</summary>
internal sealed record Sweep(int Silo) : Step;

/// <summary>A grain call in the mailbox (notice, poke, sweep) arrives.</summary>
internal sealed record Deliver(int Pick) : Step;

/// <summary>The store carries out a waiting call and its answer returns.</summary>
internal sealed record Release(int Pick) : Step;

/// <summary>The store carries out a waiting call; its answer is lost (the caller sees a connection failure).</summary>
internal sealed record LoseReply(int Pick) : Step;

/// <summary>A waiting call never reaches the store (the caller sees a connection failure).</summary>
internal sealed record LoseRequest(int Pick) : Step;

/// <summary>
/// kill -9 of a silo: its activations and requests die; calls it had sent may still arrive. It restarts at once.
/// </summary>
internal sealed record Crash(int Silo) : Step;

internal sealed record Advance(int Ms) : Step;

/// <summary>The silo's wall clock steps (NTP, a resumed VM); its monotonic clock does not.</summary>
internal sealed record ClockStep(int Silo, int Ms) : Step;

/// <summary>The silo's oscillator runs slow by this many parts per million from now on.</summary>
internal sealed record ClockDrift(int Silo, int Ppm) : Step;

/// <summary>The silo measures the store's clock (as its sync loop does every 30 s).</summary>
internal sealed record Measure(int Silo) : Step;

/// <summary>Retention passes for a finished minute: its summary and its keys' reservations expire.</summary>
internal sealed record Expire(int Minute) : Step;

/// <summary>What the store has now is what it would keep across a crash (an fsync, a replica catching up).</summary>
internal sealed record Persist : Step;

/// <summary>
/// The store crashes and restarts (a new run_id) with what it last persisted: acknowledged writes since are lost.
/// </summary>
internal sealed record LoseWrites : Step;

/// <summary>A grain call on its way is lost (a silo died with it, a one-way message dropped).</summary>
internal sealed record DropMail(int Pick) : Step;
