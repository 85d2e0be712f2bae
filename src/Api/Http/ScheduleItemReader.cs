using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EchoAtTime.Api.Hosting;

namespace EchoAtTime.Api.Http;

/// <summary>
/// Validates one <c>{time, message, idempotencyKey?, expireAfter?}</c> object (<c>id</c> is the key's older name) into
/// a <see cref="ScheduleRequest"/>, naming the offending field on failure.
/// </summary>
public static class ScheduleItemReader
{
    // The key's field and its first name, in the order they are read.
    private static readonly string[] KeyFields = ["idempotencyKey", "id"];

    /// <summary>
    /// Reads one item; on failure <paramref name="errors"/> names every offending field at once
    /// (<c>{}</c> answers that both <c>time</c> and <c>message</c> are required), so a client fixes
    /// its request in one round trip.
    /// </summary>
    public static bool TryRead(JsonElement item, string prefix, string? headerKey, ApiOptions limits, long nowMs,
        out ScheduleRequest request, [NotNullWhen(false)] out Dictionary<string, string[]>? errors)
    {
        request = null!;
        errors = null;
        if (item.ValueKind != JsonValueKind.Object)
        {
            Add(ref errors, Error(prefix.Length == 0 ? "$" : prefix.TrimEnd('.'), "must be an object with 'time' and 'message'"));
            return false;
        }

        if (!HasUnicodeNames(item))
        {
            Add(ref errors, Error(prefix.Length == 0 ? "$" : prefix.TrimEnd('.'), "must have property names of valid Unicode text"));
            return false;
        }

        if (!TryReadTime(item, prefix, limits, nowMs, out var dueMs, out var error))
        {
            Add(ref errors, error);
        }

        if (!TryReadMessage(item, prefix, limits, out var text, out error))
        {
            Add(ref errors, error);
        }

        if (!TryReadKey(item, prefix, headerKey, limits, out var key, out error))
        {
            Add(ref errors, error);
        }

        if (!ExpireAfterReader.TryRead(item, prefix, limits, out var expireAfterMs, out error))
        {
            Add(ref errors, error);
        }

        if (errors is not null)
        {
            return false;
        }

        request = new ScheduleRequest(Math.Max(dueMs, nowMs), text, key, key is null ? null : Fingerprint(dueMs, text, expireAfterMs), ExpireAfterMs: expireAfterMs);
        return true;
    }

    private static void Add([NotNull] ref Dictionary<string, string[]>? errors, KeyValuePair<string, string[]> error) => (errors ??= [])[error.Key] = error.Value;

    internal static bool TryReadTime(JsonElement item, string prefix, ApiOptions limits, long nowMs, out long dueMs, out KeyValuePair<string, string[]> error)
    {
        dueMs = 0;
        error = default;
        if (!item.TryGetProperty("time", out var time))
        {
            error = Error(prefix + "time", "is required");
            return false;
        }

        if (!EchoTime.TryParse(time, out dueMs, out var timeError))
        {
            error = Error(prefix + "time", timeError);
            return false;
        }

        if (dueMs - nowMs > (long)limits.MaxScheduleAhead.TotalMilliseconds)
        {
            error = Error(prefix + "time", $"must be at most {limits.MaxScheduleAhead.TotalDays:0.##} days ahead");
            return false;
        }

        return true;
    }

    internal static bool TryReadMessage(JsonElement item, string prefix, ApiOptions limits, out string text, out KeyValuePair<string, string[]> error)
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

    /// <summary>
    /// The idempotency key: the field <c>idempotencyKey</c>, or <c>id</c> (its first name, kept
    /// working; it is not the message id of the answer), or the header. Any two given must agree.
    /// </summary>
    private static bool TryReadKey(JsonElement item, string prefix, string? headerKey, ApiOptions limits, out string? key, out KeyValuePair<string, string[]> error)
    {
        key = headerKey;
        error = default;
        string? fromBody = null;
        foreach (var name in KeyFields)
        {
            if (!item.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (!TryReadKeyField(field, prefix + name, limits, out var value, out error))
            {
                return false;
            }

            if (fromBody is not null && fromBody != value)
            {
                error = Error(prefix + name, "differs from 'idempotencyKey'");
                return false;
            }

            if (headerKey is not null && headerKey != value)
            {
                error = Error(prefix + name, "differs from the Idempotency-Key header");
                return false;
            }

            fromBody = value;
        }

        key = fromBody ?? headerKey;
        return true;
    }

    private static bool TryReadKeyField(JsonElement field, string name, ApiOptions limits, out string value, out KeyValuePair<string, string[]> error)
    {
        value = "";
        error = default;
        if (field.ValueKind != JsonValueKind.String)
        {
            error = Error(name, "must be a string");
            return false;
        }

        try
        {
            value = field.GetString()!;
        }
        catch (InvalidOperationException)
        {
            error = Error(name, "must be valid Unicode text");
            return false;
        }

        if (!IsValidKey(value, limits))
        {
            error = Error(name, $"must be 1 to {limits.MaxIdempotencyKeyLength} printable characters");
            return false;
        }

        return true;
    }

    /// <summary>
    /// False when a property name holds a lone surrogate escape ("\ud800"): looking a property up
    /// by name would throw on it. The body's bytes are valid UTF-8 (<see cref="RequestBody"/>), so only a name with an
    /// escape can: the others are not decoded (a string per name and item, on every request).
    /// </summary>
    internal static bool HasUnicodeNames(JsonElement item)
    {
        try
        {
            foreach (var property in item.EnumerateObject())
            {
                if (JsonMarshal.GetRawUtf8PropertyName(property).Contains((byte)'\\'))
                {
                    _ = property.Name;
                }
            }

            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static bool IsValidKey(string key, ApiOptions limits) =>
        key.Length > 0 && key.Length <= limits.MaxIdempotencyKeyLength && !key.Any(char.IsControl);

    /// <summary>
    /// What "the same request" means for an idempotency key: the time as asked, the message, and the deadline if any.
    /// </summary>
    private static string Fingerprint(long requestedMs, string message, long expireAfterMs) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(expireAfterMs > 0 ? $"{requestedMs}\n{message}\n{expireAfterMs}" : $"{requestedMs}\n{message}")).AsSpan(0, 16));

    public static KeyValuePair<string, string[]> Error(string field, string message) =>
        new(field, [$"'{field}' {message}."]);
}
