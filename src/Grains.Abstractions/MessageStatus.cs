namespace EchoAtTime;

/// <summary>Where a message stands. Printed and canceled are kept for the configured retention.</summary>
public enum MessageStatus
{
    Unknown,
    Scheduled,
    Printed,
    Canceled,
}

/// <summary>Outcome of a cancel request.</summary>
public enum CancelOutcome
{
    Unknown,

    /// <summary>Canceled now, or already canceled before: it will never print.</summary>
    Canceled,

    /// <summary>Too late: printed, or in the batch being printed.</summary>
    AlreadyPrinted,
}
