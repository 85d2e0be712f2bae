namespace EchoAtTime.Simulate.World;

/// <summary>One line a simulated console took: by which silo incarnation, at what store time.</summary>
internal sealed record PrintedRecord(string Silo, MessageId Id, string Message, long PrintedMs, bool Redelivered);
