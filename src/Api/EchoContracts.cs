namespace EchoAtTime.Api;

/// <summary>Body of <c>POST /echoAtTime</c> (documentation shape; the handler validates the raw JSON).</summary>
/// <param name="Time">ISO-8601 date-time (offset honoured, none = UTC) or Unix epoch milliseconds (number or numeric string).</param>
/// <param name="Message">The text to print.</param>
public sealed record EchoRequest(object Time, string Message);

/// <summary>An accepted message: durable in Redis, due at <paramref name="DueAt"/>.</summary>
public sealed record EchoAccepted(string Id, string DueAt);
