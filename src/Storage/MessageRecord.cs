namespace EchoAtTime.Storage;

/// <summary>
/// What the store knows of one message: its status and, once printed, its delivery receipt — when
/// its batch reached the console (by the cluster's clock) and whether it was a redelivery. A message
/// printed before receipts were kept has no <see cref="PrintedAtMs"/>. A moved one names the message
/// it became (<see cref="MovedTo"/>), once that arrived.
/// </summary>
public readonly record struct MessageRecord(MessageStatus Status, long? PrintedAtMs = null, bool Redelivered = false, MessageId? MovedTo = null);
