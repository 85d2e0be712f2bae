using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EchoAtTime.Api;

/// <summary>
/// Validates one <c>{time, message, id?}</c> object into a <see cref="ScheduleRequest"/>, naming the
/// offending field on failure.
/// </summary>
public static class ScheduleItemReader
{
    public static bool TryRead(JsonElement item, string prefix, string? headerKey, ApiOptions limits, long nowMs,
        out ScheduleRequest request, out KeyValuePair<string, string[]> error)
    {
        request = null!;
        error = default;
        if (item.ValueKind != JsonValueKind.Object)
        {
            error = Error(prefix.Length == 0 ? "$" : prefix.TrimEnd('.'), "must be an object with 'time' and 'message'");
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
            error = Error(prefix + "time", $"must be at most {limits.MaxScheduleAhead.TotalDays:0.##} days ahead");
            return false;
        }

        if (!TryReadMessage(item, prefix, limits, out var text, out error)
            || !TryReadKey(item, prefix, headerKey, limits, out var key, out error))
        {
            return false;
        }

        request = new ScheduleRequest(Math.Max(dueMs, nowMs), text, key, key is null ? null : Fingerprint(dueMs, text));
        return true;
    }

    private static bool TryReadMessage(JsonElement item, string prefix, ApiOptions limits, out string text, out KeyValuePair<string, string[]> error)
    {
        text = "";
        error = default;
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

        try
        {
            text = message.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape (\ud800): not text that can be stored or printed faithfully.
            error = Error(prefix + "message", "must be valid Unicode text");
            return false;
        }

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

        return true;
    }

    private static bool TryReadKey(JsonElement item, string prefix, string? headerKey, ApiOptions limits, out string? key, out KeyValuePair<string, string[]> error)
    {
        key = headerKey;
        error = default;
        if (!item.TryGetProperty("id", out var id) || id.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (id.ValueKind != JsonValueKind.String)
        {
            error = Error(prefix + "id", "must be a string");
            return false;
        }

        string value;
        try
        {
            value = id.GetString()!;
        }
        catch (InvalidOperationException)
        {
            error = Error(prefix + "id", "must be valid Unicode text");
            return false;
        }

        if (!IsValidKey(value, limits))
        {
            error = Error(prefix + "id", $"must be 1 to {limits.MaxIdempotencyKeyLength} printable characters");
            return false;
        }

        if (headerKey is not null && headerKey != value)
        {
            error = Error(prefix + "id", "differs from the Idempotency-Key header");
            return false;
        }

        key = value;
        return true;
    }

    public static bool IsValidKey(string key, ApiOptions limits) =>
        key.Length > 0 && key.Length <= limits.MaxIdempotencyKeyLength && !key.Any(char.IsControl);

    /// <summary>What "the same request" means for an idempotency key: the time as asked, and the message.</summary>
    private static string Fingerprint(long requestedMs, string message) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{requestedMs}\n{message}")).AsSpan(0, 16));

    public static KeyValuePair<string, string[]> Error(string field, string message) =>
        new(field, [$"'{field}' {message}."]);
}
