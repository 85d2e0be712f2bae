namespace EchoAtTime.Chaos;

/// <summary>
/// What the load generator sent and how the service answered, counted in messages (a batch counts its size).
/// </summary>
public sealed record RequestFigures
{
    /// <summary>HTTP requests sent, retries included.</summary>
    public long Requests { get; init; }

    /// <summary>Distinct messages sent (a retried message counts once).</summary>
    public long MessagesSent { get; init; }

    /// <summary>Answered <c>202</c> (at the first attempt or a retry): durable, must print.</summary>
    public long Accepted { get; init; }

    /// <summary>
    /// Messages never answered <c>202</c>, at no attempt: not accepted, not expected to print (they may, if the store
    /// took one before its answer was lost).
    /// </summary>
    public long NotAccepted => MessagesSent - Accepted;

    /// <summary>
    /// Messages in answers that were not <c>202</c>, counted per attempt (a message retried three times
    /// after 503s counts three): the sum of the four reasons below. Without retries it equals
    /// <see cref="NotAccepted"/>.
    /// </summary>
    public long Rejected => Unavailable + ConnectionErrors + Timeouts + OtherStatus;

    /// <summary>
    /// Retry requests: a request answered 503, broken or timed out, sent again with the same idempotency keys.
    /// </summary>
    public long Retries { get; init; }

    /// <summary>Messages answered 202 by a retry.</summary>
    public long AcceptedOnRetry { get; init; }

    /// <summary>Answered <c>503</c>.</summary>
    public long Unavailable { get; init; }

    /// <summary>The connection failed or broke (mostly requests in flight to a silo at its <c>kill -9</c>).</summary>
    public long ConnectionErrors { get; init; }

    /// <summary>No answer within the request timeout.</summary>
    public long Timeouts { get; init; }

    /// <summary>
    /// Any other status; the contract allows none under valid input (<c>400</c> would be this tool's fault, <c>5xx</c>
    /// the product's).
    /// </summary>
    public long OtherStatus { get; init; }

    /// <summary>Time from sending a request to its 202 answer, ms (p50/p99/max over requests).</summary>
    public LatenessFigures AcceptedLatency { get; init; } = new(0, 0, 0, 0);

    /// <summary>The first few "other status" answers, for evidence.</summary>
    public IReadOnlyList<string> OtherStatusSamples { get; init; } = [];

    /// <summary>Accepted messages per node they were sent to.</summary>
    public IReadOnlyDictionary<string, long> AcceptedByTarget { get; init; } = new Dictionary<string, long>();
}
