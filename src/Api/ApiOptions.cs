namespace EchoAtTime.Api;

/// <summary>Limits of the HTTP API, under the <c>Echo</c> configuration section.</summary>
public sealed class ApiOptions
{
    public const string Section = "Echo";

    /// <summary>Longest message, in UTF-16 characters.</summary>
    public int MaxMessageLength { get; set; } = 4096;

    /// <summary>Most messages in one batch request.</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>How far in the future a message may be due.</summary>
    public TimeSpan MaxScheduleAhead { get; set; } = TimeSpan.FromDays(366);
}
