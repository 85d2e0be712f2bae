using System.Text.Json.Serialization;

namespace EchoAtTime.Api.Http;

/// <summary>Body of <c>POST /echoAtTime</c> (documentation shape; the handler validates the raw JSON).</summary>
/// <param name="Time">ISO-8601 date-time (offset honoured, none = UTC) or Unix epoch milliseconds (number or numeric
/// string).</param>
/// <param name="Message">The text to print (1 to <c>Echo:MaxMessageLength</c> characters).</param>
/// <param name="IdempotencyKey">Optional idempotency key (same as the <c>Idempotency-Key</c> header): a retry with it
/// schedules nothing new.</param>
/// <param name="Id">The idempotency key's older name, still accepted; not the message id of the answer.</param>
/// <param name="ExpireAfter">Optional deadline after the due time (ISO-8601 duration such as <c>PT30S</c>, or
/// milliseconds): a message that could only print later is marked <c>expired</c> instead.</param>
public sealed record EchoRequest(object Time, string Message, string? IdempotencyKey = null, string? Id = null, object? ExpireAfter = null);

/// <summary>Body of <c>PATCH /messages/{id}</c>: the new time, as for scheduling (only the time can change).</summary>
/// <param name="Time">ISO-8601 date-time or Unix epoch milliseconds; a time already past prints at once.</param>
public sealed record MessageMoveRequest(object Time);

/// <summary>An accepted message: durable in Redis, due at <paramref name="DueAt"/>.</summary>
public sealed record EchoAccepted(string Id, string DueAt);

/// <summary>One item of a batch answer: <c>status</c> 202 with id and dueAt, or 400/409 with the errors.</summary>
public sealed record BatchItemResult(
    int Index,
    int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DueAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IDictionary<string, string[]>? Errors = null);

/// <summary>
/// Answer of <c>GET /messages/{id}</c>. A printed message carries its delivery receipt: when its
/// batch reached the console (the cluster's clock), how late that was, and whether it was a
/// redelivery (printed again after a crash, flagged on the console too).
/// </summary>
public sealed record MessageState(
    string Id,
    string DueAt,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PrintedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? LatenessMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Redelivered = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MovedTo = null)
{
    public static MessageState Of(MessageId id, EchoAtTime.Storage.MessageRecord record) => new(
        id.ToString(),
        EchoTime.Format(id.DueMs),
        record.Status.ToString().ToLowerInvariant(),
        record.PrintedAtMs is { } at ? EchoTime.Format(at) : null,
        record.PrintedAtMs is { } late ? Math.Max(0, late - id.DueMs) : null,
        record.PrintedAtMs is null ? null : record.Redelivered,
        record.MovedTo?.ToString());
}

/// <summary>
/// Answer of <c>PATCH /messages/{id}</c>: the message's new id and due time; the old id answers <c>moved</c> with it.
/// </summary>
public sealed record MessageMoved(string Id, string DueAt, string MovedFrom);

/// <summary>
/// Answer of <c>GET /messages</c>: a page of messages, and the cursor of the next page (null: no more in the range).
/// </summary>
public sealed record MessageList(IReadOnlyList<MessageItem> Messages, string? Next);

/// <summary>One listed message: as <see cref="MessageState"/>, with its text and its deadline if it has one.</summary>
public sealed record MessageItem(
    string Id,
    string DueAt,
    string Status,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PrintedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? LatenessMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Redelivered = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ExpireAfterMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MovedTo = null)
{
    public static MessageItem Of(EchoAtTime.Storage.BrowsedMessage m)
    {
        var state = MessageState.Of(m.Id, m.Record);
        return new(state.Id, state.DueAt, state.Status, m.Message, state.PrintedAt, state.LatenessMs, state.Redelivered, m.ExpireAfterMs > 0 ? m.ExpireAfterMs : null, state.MovedTo);
    }
}

/// <summary>
/// Answer of <c>GET /messages/summary</c>: pending messages per minute ahead (minutes that hold
/// any), what became of the messages of each of the last minutes, and how late the batches of the
/// last hour printed (each batch counted once, by its last message).
/// </summary>
public sealed record MessagesOverview(string Now, IReadOnlyList<PendingMinute> Ahead, IReadOnlyList<PastMinute> Past, IReadOnlyList<LatenessBucket> Lateness);

public sealed record PendingMinute(string Minute, long Pending);

public sealed record PastMinute(string Minute, long Printed, long Canceled, long Expired, long Moved, long Pending);

/// <summary>
/// Batches that printed less than <paramref name="BelowMs"/> late (null: the rest) and not in an earlier bucket.
/// </summary>
public sealed record LatenessBucket(long? BelowMs, long Batches);
