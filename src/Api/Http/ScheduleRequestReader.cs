using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using EchoAtTime.Api.Hosting;
using EchoAtTime.Api.Schedules;

namespace EchoAtTime.Api.Http;

/// <summary>
/// Validates <c>{cron, timeZone?, message, misfire?, expireAfter?, idempotencyKey?}</c> into a
/// <see cref="NewSchedule"/>, naming every offending field at once; a schedule that never fires (<c>0 0 30 2 *</c>) is
/// refused naming <c>cron</c>.
/// </summary>
public static class ScheduleRequestReader
{
    public static bool TryRead(JsonElement body, string? headerKey, ApiOptions limits, long nowMs,
        [NotNullWhen(true)] out NewSchedule? request, [NotNullWhen(true)] out CronSchedule? cron, out Dictionary<string, string[]> errors)
    {
        request = null;
        cron = null;
        errors = [];
        if (body.ValueKind != JsonValueKind.Object || !ScheduleItemReader.HasUnicodeNames(body))
        {
            errors["$"] = ["'$' must be an object with 'cron' and 'message', its property names valid Unicode text."];
            return false;
        }

        var cronText = ReadString(body, "cron", required: true, errors);
        var zone = ReadString(body, "timeZone", required: false, errors) ?? "UTC";
        var misfireName = ReadString(body, "misfire", required: false, errors) ?? "catchUp";
        var key = ReadString(body, "idempotencyKey", required: false, errors) ?? headerKey;
        if (!ScheduleItemReader.TryReadMessage(body, "", limits, out var message, out var error))
        {
            errors[error.Key] = error.Value;
        }

        if (!ExpireAfterReader.TryRead(body, "", limits, out var expireAfterMs, out error))
        {
            errors[error.Key] = error.Value;
        }

        if (!Misfire.TryParse(misfireName, out var misfire) && !errors.ContainsKey("misfire"))
        {
            Add(errors, "misfire", "must be 'catchUp', 'latest' or 'skip'");
        }

        if (key is not null && !ScheduleItemReader.IsValidKey(key, limits) && !errors.ContainsKey("idempotencyKey"))
        {
            Add(errors, headerKey == key ? EchoEndpoints.IdempotencyHeader : "idempotencyKey", $"must be 1 to {limits.MaxIdempotencyKeyLength} printable characters");
        }

        if (headerKey is not null && key != headerKey && !errors.ContainsKey("idempotencyKey"))
        {
            Add(errors, "idempotencyKey", "differs from the Idempotency-Key header");
        }

        if (cronText is not null && !errors.ContainsKey("timeZone"))
        {
            if (!CronSchedule.TryParse(cronText, zone, out cron, out var cronError, out var zoneError))
            {
                if (cronError is not null)
                {
                    Add(errors, "cron", cronError);
                }

                if (zoneError is not null)
                {
                    Add(errors, "timeZone", zoneError);
                }
            }
            else if (cron.NextAfter(nowMs) is null)
            {
                Add(errors, "cron", "never fires (no date matches it)");
            }
        }

        if (errors.Count > 0 || cron is null)
        {
            cron = null;
            return false;
        }

        request = new NewSchedule(cronText!, zone, message, misfire, expireAfterMs, key);
        return true;
    }

    private static string? ReadString(JsonElement body, string name, bool required, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Add(errors, name, "is required");
            }

            return null;
        }

        string? text = null;
        try
        {
            text = field.ValueKind == JsonValueKind.String ? field.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape.
        }

        if (text is null || text.Length is 0 or > 200)
        {
            Add(errors, name, "must be a string of 1 to 200 characters of valid Unicode");
            return null;
        }

        return text;
    }

    private static void Add(Dictionary<string, string[]> errors, string field, string message) => errors[field] = [$"'{field}' {message}."];
}
