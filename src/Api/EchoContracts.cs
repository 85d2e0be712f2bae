using System.Text.Json.Serialization;

namespace EchoAtTime.Api;

/// <summary>Body of <c>POST /echoAtTime</c> (documentation shape; the handler validates the raw JSON).</summary>
/// <param name="Time">ISO-8601 date-time (offset honoured, none = UTC) or Unix epoch milliseconds (number or numeric string).</param>
/// <param name="Message">The text to print (1 to <c>Echo:MaxMessageLength</c> characters).</param>
/// <param name="IdempotencyKey">Optional idempotency key (same as the <c>Idempotency-Key</c> header): a retry with it schedules nothing new.</param>
/// <param name="Id">The idempotency key's older name, still accepted; not the message id of the answer.</param>
public sealed record EchoRequest(object Time, string Message, string? IdempotencyKey = null, string? Id = null);

/// <summary>An accepted message: durable in Redis, due at <paramref name="DueAt"/>.</summary>
public sealed record EchoAccepted(string Id, string DueAt);

/// <summary>One item of a batch answer: <c>status</c> 202 with id and dueAt, or 400/409 with the errors.</summary>
public sealed record BatchItemResult(
    int Index,
    int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DueAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IDictionary<string, string[]>? Errors = null);

/// <summary>Answer of <c>GET /messages/{id}</c>.</summary>
public sealed record MessageState(string Id, string DueAt, string Status);
