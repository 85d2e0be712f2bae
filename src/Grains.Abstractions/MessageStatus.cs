namespace EchoAtTime;

/// <summary>Where a message stands. Printed and canceled are kept for the configured retention.</summary>
public enum MessageStatus
{
    Unknown,
    Scheduled,
    Printed,
    Canceled,

    /// <summary>Not printed: it could only have printed later than its due time plus its <c>expireAfter</c>.</summary>
    Expired,

    /// <summary>Rescheduled: it prints (once) as the message it moved to, never under this id.</summary>
    Moved,
}

/// <summary>Outcome of a cancel request.</summary>
public enum CancelOutcome
{
    Unknown,

    /// <summary>Canceled now, or already canceled before: it will never print.</summary>
    Canceled,

    /// <summary>Too late: printed, or in the batch being printed.</summary>
    AlreadyPrinted,

    /// <summary>Too late: it expired (it was never printed).</summary>
    Expired,

    /// <summary>Not here any more: it was rescheduled (cancel the message it moved to).</summary>
    Moved,
}
