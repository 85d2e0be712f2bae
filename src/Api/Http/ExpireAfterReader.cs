using System.Globalization;
using System.Text.Json;
using System.Xml;
using EchoAtTime.Api.Hosting;

namespace EchoAtTime.Api.Http;

/// <summary>
/// The optional <c>expireAfter</c> of a message: how late it may still print. An ISO-8601 duration
/// (<c>"PT30S"</c>, <c>"P1D"</c>) or whole milliseconds (a number or a numeric string), from 1 ms to
/// <see cref="ApiOptions.MaxScheduleAhead"/>; absent or null = no deadline (0).
/// </summary>
public static class ExpireAfterReader
{
    public static bool TryRead(JsonElement item, string prefix, ApiOptions limits, out long expireAfterMs, out KeyValuePair<string, string[]> error)
    {
        expireAfterMs = 0;
        error = default;
        if (!item.TryGetProperty("expireAfter", out var field) || field.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        var max = (long)limits.MaxScheduleAhead.TotalMilliseconds;
        if (!TryParse(field, out var ms) || ms < 1 || ms > max)
        {
            error = ScheduleItemReader.Error(prefix + "expireAfter", $"must be an ISO-8601 duration (e.g. \"PT30S\") or whole milliseconds, from 1 ms to {limits.MaxScheduleAhead.TotalDays:0.##} days");
            return false;
        }

        expireAfterMs = ms;
        return true;
    }

    private static bool TryParse(JsonElement field, out long ms)
    {
        ms = 0;
        switch (field.ValueKind)
        {
            case JsonValueKind.Number:
                return field.TryGetInt64(out ms);
            case JsonValueKind.String:
                string text;
                try
                {
                    text = field.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }

                if (text.Length is 0 or > 64)
                {
                    return false;
                }

                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ms))
                {
                    return true;
                }

                if (text[0] != 'P')
                {
                    return false;
                }

                try
                {
                    var span = XmlConvert.ToTimeSpan(text);
                    if (span.Ticks % TimeSpan.TicksPerMillisecond != 0)
                    {
                        // Round up: a deadline is never shorter than asked.
                        span += TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond - (span.Ticks % TimeSpan.TicksPerMillisecond));
                    }

                    ms = (long)span.TotalMilliseconds;
                    return true;
                }
                catch (Exception ex) when (ex is FormatException or OverflowException)
                {
                    return false;
                }

            default:
                return false;
        }
    }
}
