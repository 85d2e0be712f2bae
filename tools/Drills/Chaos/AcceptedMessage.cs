namespace EchoAtTime.Chaos;

/// <summary>
/// A message the service answered <c>202</c> for: it promised to print it once, in order, never early.
/// </summary>
/// <param name="Id">The id from the answer (<c>&lt;dueMs&gt;-&lt;seq&gt;</c>).</param>
/// <param name="DueMs">The due time from the id, epoch ms.</param>
/// <param name="Text">The message text; unique per run.</param>
/// <param name="Target">The node the request went to (<c>silo-1</c>, <c>gateway</c>).</param>
/// <param name="AcceptedAtMs">When the <c>202</c> arrived, epoch ms.</param>
/// <param name="Attempt">Which attempt was answered 202: 1, or n for the (n−1)-th retry with the same idempotency
/// key.</param>
/// <param name="SentAtMs">When the answered attempt was sent, epoch ms.</param>
public sealed record AcceptedMessage(string Id, long DueMs, string Text, string Target, long AcceptedAtMs, int Attempt = 1, long SentAtMs = 0);
