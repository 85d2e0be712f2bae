namespace EchoAtTime.Chaos;

/// <summary>
/// An attempt not answered <c>202</c>: when it was sent, where, why, and how many messages it carried.
/// </summary>
/// <param name="SentAtMs">When the attempt was sent, epoch ms.</param>
/// <param name="Target">The node it went to.</param>
/// <param name="Reason"><c>503</c>, <c>connection</c>, <c>timeout</c> or the other status code.</param>
/// <param name="Texts">The texts of its messages (one per message).</param>
/// <param name="AnsweredAfterMs">From sending to the answer (or the error, or the timeout), ms.</param>
/// <param name="Attempt">1 for a request's first attempt, n for its (n−1)-th retry with the same idempotency
/// keys.</param>
/// <param name="Retried">The load generator sent it again (same keys); false when it gave up or does not retry.</param>
public sealed record Rejection(long SentAtMs, string Target, string Reason, IReadOnlyList<string> Texts, long AnsweredAfterMs, int Attempt = 1, bool Retried = false)
{
    public int Messages => Texts.Count;

    /// <summary>When the answer (or the error, or the timeout) came, epoch ms.</summary>
    public long AnsweredAtMs => SentAtMs + AnsweredAfterMs;
}
