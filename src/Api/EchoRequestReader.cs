using System.Text.Json;

namespace EchoAtTime.Api;

/// <summary>Validates one <c>{time, message}</c> object, naming the offending field on failure.</summary>
public static class EchoRequestReader
{
    public static bool TryRead(JsonElement item, string prefix, ApiOptions limits, long nowMs,
        out ScheduleRequest request, out KeyValuePair<string, string[]> error)
    {
        request = null!;
        error = default;
        if (item.ValueKind != JsonValueKind.Object)
        {
            error = Error(prefix.TrimEnd('.'), "must be an object with 'time' and 'message'");
            return false;
        }

        if (!item.TryGetProperty("time", out var time))
        {
            error = Error(prefix + "time", "is required");
            return false;
        }

        if (!EchoTime.TryParse(time, out var dueMs, out var timeError))
        {
            error = Error(prefix + "time", timeError);
            return false;
        }

        if (dueMs - nowMs > (long)limits.MaxScheduleAhead.TotalMilliseconds)
        {
            error = Error(prefix + "time", $"must be at most {limits.MaxScheduleAhead} ahead");
            return false;
        }

        if (!item.TryGetProperty("message", out var message) || message.ValueKind == JsonValueKind.Null)
        {
            error = Error(prefix + "message", "is required");
            return false;
        }

        if (message.ValueKind != JsonValueKind.String)
        {
            error = Error(prefix + "message", "must be a string");
            return false;
        }

        var text = message.GetString()!;
        if (text.Length == 0)
        {
            error = Error(prefix + "message", "must not be empty");
            return false;
        }

        if (text.Length > limits.MaxMessageLength)
        {
            error = Error(prefix + "message", $"must be at most {limits.MaxMessageLength} characters");
            return false;
        }

        request = new ScheduleRequest(Math.Max(dueMs, nowMs), text);
        return true;
    }

    private static KeyValuePair<string, string[]> Error(string field, string message) =>
        new(field, [$"'{field}' {message}."]);
}
