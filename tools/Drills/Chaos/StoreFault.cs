namespace EchoAtTime.Chaos;

/// <summary>
/// One fault injected into a silo's Redis connection through its <see cref="EchoAtTime.Testing.RedisFaultProxy"/>
/// (<c>--store-faults</c>): a dropped reply (<see cref="Kind"/> <c>reply-drop</c>) or a spell of
/// delayed replies (<c>delay</c>).
/// </summary>
public sealed record StoreFault
{
    public const string ReplyDrop = "reply-drop";
    public const string Delay = "delay";

    /// <summary><c>reply-drop</c> or <c>delay</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The node whose proxy took it, e.g. <c>silo-2</c>.</summary>
    public required string Node { get; init; }

    /// <summary>The node's process when the fault was armed, e.g. <c>silo-2#1</c>.</summary>
    public required string Instance { get; init; }

    /// <summary>When it was armed (drop) or began (delay), epoch ms.</summary>
    public required long AtMs { get; init; }

    /// <summary>Seconds since scheduling began.</summary>
    public double AtSecond { get; init; }

    /// <summary>
    /// A drop: <c>dropped</c> (Redis ran the command, the silo's connection was reset before the reply),
    /// <c>never matched</c> (the silo sent no slot script before the run ended), or <c>failed: …</c>.
    /// A delay: <c>delayed</c>.
    /// </summary>
    public string Outcome { get; init; } = "";

    /// <summary>A drop: when the reply was dropped and the connection reset, epoch ms; null if never.</summary>
    public long? DroppedAtMs { get; init; }

    /// <summary>
    /// A drop: what the dropped command was: <c>append</c> (it carried this run's messages) or <c>other</c> (a commit,
    /// load or close of a slot).
    /// </summary>
    public string Command { get; init; } = "";

    /// <summary>A drop: the command as the proxy decoded it, shortened, for evidence.</summary>
    public string CommandText { get; init; } = "";

    /// <summary>
    /// A dropped append: the texts of the messages it carried (their 503 or broken answer is the lost reply).
    /// </summary>
    public IReadOnlyList<string> Messages { get; init; } = [];

    /// <summary>
    /// A dropped append, after analysis: how many of its messages were accepted in the end (normally by a retry with
    /// the same key, answered with the id Redis stored).
    /// </summary>
    public int MessagesAccepted { get; init; }

    /// <summary>
    /// A dropped append, after analysis: how many of its messages printed exactly once (they ran in Redis, so all
    /// should).
    /// </summary>
    public int MessagesPrintedOnce { get; init; }

    /// <summary>A delay: how long each reply was held, ms.</summary>
    public long DelayMs { get; init; }

    /// <summary>A delay: how long the delay lasted, ms.</summary>
    public long ForMs { get; init; }
}
