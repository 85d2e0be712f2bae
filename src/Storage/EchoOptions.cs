namespace EchoAtTime;

/// <summary>Settings under the <c>Echo</c> configuration section that the silo side reads.</summary>
public sealed class EchoOptions
{
    public const string Section = "Echo";

    /// <summary><c>text</c> or <c>json</c>: the console format of echoed messages.</summary>
    public EchoOutputFormat Output { get; set; } = EchoOutputFormat.Text;

    /// <summary>
    /// Most messages printed per fenced batch. A crash between printing a batch and recording it
    /// makes that batch print again (flagged), so this bounds the repeat a crash can cause.
    /// </summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>
    /// Longest a slot prints in one go. A minute catching up on a backlog then lets the requests
    /// waiting to append to it in (the grain is single-threaded) before it prints on.
    /// </summary>
    public TimeSpan PrintTurn { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long before a slot's minute its grain is woken and loads its messages.</summary>
    public TimeSpan WakeLead { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each silo re-pokes the earliest due slot: the net for lost wake-ups and dead silos.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a finished slot's summary stays in Redis.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Replicas that must have an append before its <c>202</c> (Redis <c>WAIT</c> on the minute's
    /// shard): 0 answers once the master has it; 1 keeps an accepted message through a failover to
    /// that replica, for one round trip more per append. Fewer acknowledgements within
    /// <see cref="ReplicaAckTimeout"/> answer <c>503</c> (the message is on the master and may still print).
    /// </summary>
    public int ReplicaAcks { get; set; }

    /// <summary>How long an append waits for <see cref="ReplicaAcks"/> replicas.</summary>
    public TimeSpan ReplicaAckTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Prefix of every Redis key this service writes, so it can share a Redis database.</summary>
    public string KeyPrefix { get; set; } = "echo:";

    /// <summary>
    /// How long past its end a minute still takes appends, by the store's clock. A message due "now" by a writer's
    /// clock lands in that clock's minute; past this the store refuses the minute as closed and says where its "now"
    /// is. A minute prints only once the minute before it is closed and no older one is indexed, so appends to older
    /// ones must have stopped before it prints: that is a whole minute after the end of the minute two before, so
    /// order needs this below a minute minus <see cref="MaxClockSkew"/> and the difference between the store servers'
    /// clocks. Tests that set up what an earlier run left in long-past minutes raise it for their own writes.
    /// </summary>
    public TimeSpan AppendGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How far ahead a recurring schedule's occurrences are appended as messages. Bounds what a schedule costs in
    /// Redis (its occurrences within the window) and must exceed a materialiser's round (<see cref="SweepInterval"/>)
    /// with room to spare, so an occurrence is stored before it is due.
    /// </summary>
    public TimeSpan ScheduleWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How late an occurrence may be materialised and still count as on time (it is then due now). One later than
    /// this — the cluster was down — is a misfire, and the schedule's policy (catchUp, latest, skip) decides.
    /// </summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an occurrence's idempotency reservation lasts (a message's key lasts <see cref="Retention"/>). It is
    /// what stores an occurrence once when its materialisation is repeated — by the next claimant after a lease, by a
    /// DELETE finishing a plan under way — which happens within minutes; only a materialiser dying between its append
    /// and its commit with the whole cluster then down for longer than this can print that window's occurrences twice.
    /// </summary>
    public TimeSpan ScheduleKeyRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a process's claim on a schedule holds before another may materialise it (the claimant died). A claimant
    /// killed between noting its plan and appending it leaves the schedule to the next claimant at the lease's end, up
    /// to a sweep interval later; the plan's first occurrence is due a window after the claim, less the sweep interval
    /// the claim may have come late by. So it must stay at most <see cref="ScheduleWindow"/> minus two
    /// <see cref="SweepInterval"/>s, or a kill makes occurrences late (<see cref="ScheduleLeaseFitsTheWindow"/>); 30 s
    /// made them 20 s late in a chaos run.
    /// </summary>
    public TimeSpan ScheduleLease { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether a schedule whose claimant died is taken over before what it planned falls due.</summary>
    public bool ScheduleLeaseFitsTheWindow => ScheduleLease <= ScheduleWindow - (2 * SweepInterval);

    /// <summary>
    /// Largest offset between this silo's clock and the store's that it still prints with. Beyond it
    /// the machine's clock is wrong enough that something needs fixing (NTP); printing by a
    /// corrected clock that far off would hide it, so the silo stops printing and reports not ready.
    /// </summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How often the offset to the store's clock is measured again. Local clocks drift by
    /// microseconds per second, so half a minute is plenty; three refreshes without an answer make
    /// the offset stale and stop printing.
    /// </summary>
    public TimeSpan ClockRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// For testing clock skew only: shifts this silo's local clock by this much, as if its machine's
    /// clock were wrong, so tests and chaos runs can skew silos on one machine. The offset to the
    /// store's clock is measured against the shifted reading and corrects it. Leave at zero in production.
    /// </summary>
    public TimeSpan ClockShift { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// For testing clock drift only: this silo's local clock gains this much per second from its first
    /// measurement of the store's clock on (a negative value: loses), on top of <see cref="ClockShift"/>, as if its
    /// machine's clock drifted while the silo ran. Real clocks drift by microseconds per second; tests use milliseconds
    /// so a silo crosses <see cref="MaxClockSkew"/> within seconds. Leave at zero in production.
    /// </summary>
    public TimeSpan ClockDrift { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Longest this silo's console may take to accept one batch. Order holds every later minute
    /// behind the one printing, so a console that blocks (a stdout pipe nobody reads) would stall
    /// the whole cluster; past this bound the silo reports unhealthy and leaves the cluster, and
    /// another silo prints its slots. Generous: a healthy console takes microseconds.
    /// </summary>
    public TimeSpan ConsoleTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

public enum EchoOutputFormat
{
    Text,
    Json,
}
