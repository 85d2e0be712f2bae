namespace EchoAtTime.Chaos;

/// <summary>A request not answered <c>202</c>: when it was sent, where, why, and how many messages it carried.</summary>
/// <param name="SentAtMs">When the request was sent, epoch ms.</param>
/// <param name="Target">The node it went to.</param>
/// <param name="Reason"><c>503</c>, <c>connection</c>, <c>timeout</c> or the other status code.</param>
/// <param name="Texts">The texts of its messages (one per message).</param>
/// <param name="AnsweredAfterMs">From sending to the answer (or the error, or the timeout), ms.</param>
public sealed record Rejection(long SentAtMs, string Target, string Reason, IReadOnlyList<string> Texts, long AnsweredAfterMs)
{
    public int Messages => Texts.Count;
}
