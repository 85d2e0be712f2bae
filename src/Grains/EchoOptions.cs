namespace EchoAtTime.Grains;

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

    /// <summary>Prefix of every Redis key this service writes, so it can share a Redis database.</summary>
    public string KeyPrefix { get; set; } = "echo:";
}

public enum EchoOutputFormat
{
    Text,
    Json,
}
