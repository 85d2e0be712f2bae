namespace EchoAtTime.Simulate.Schedules;

/// <summary>The kinds of fault a run may schedule (<c>--faults</c>), by name.</summary>
[Flags]
internal enum Faults
{
    None = 0,

    /// <summary>The store ran a call, its reply never came back.</summary>
    Reply = 1,

    /// <summary>A call never reached the store.</summary>
    Request = 2,

    /// <summary>kill -9 of a silo (its printers die between any two of their steps).</summary>
    Crash = 4,

    /// <summary>A second activation of a minute while the first lives.</summary>
    Duplicate = 8,

    /// <summary>Wall-clock steps, slow oscillators, missed and late measurements.</summary>
    Clock = 16,

    /// <summary>Retention passing for a finished minute.</summary>
    Retention = 32,

    /// <summary>The store losing its last writes (restart from what it persisted).</summary>
    Loss = 64,

    /// <summary>Grain calls (notices, pokes, sweeps) lost or delivered late.</summary>
    Mail = 128,

    All = Reply | Request | Crash | Duplicate | Clock | Retention | Loss | Mail,
}
