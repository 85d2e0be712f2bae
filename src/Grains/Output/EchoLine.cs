namespace EchoAtTime.Grains.Output;

/// <summary>One message being echoed.</summary>
public sealed record EchoLine(MessageId Id, string Message, long PrintedAtMs, bool Redelivered);
