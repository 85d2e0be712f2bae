using System.Globalization;
using EchoAtTime.Api.Queries;
using EchoAtTime.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace EchoAtTime.Api.Http;

/// <summary>
/// <c>GET /messages/summary?hours=</c>: the figures of the messages page — pending messages per
/// minute for the next hours, what became of the messages of the last minutes, and how late the
/// batches of the last hour printed. One pipelined round of one script per minute (at most
/// 6 × 60 minutes ahead that hold messages, and the 60 minutes past).
/// </summary>
public static partial class MessageSummaryEndpoint
{
    public const int DefaultHours = 3;
    public const int MaxHours = 6;
    public const int PastMinutes = 60;

    // Upper bounds (exclusive, ms) of the lateness histogram; the last bucket has none.
    private static readonly long[] LatenessBounds = [1, 2, 5, 10, 20, 50, 100, 250, 500, 1_000, 5_000];

    public static async Task<Results<Ok<MessagesOverview>, ValidationProblem, ProblemHttpResult>> Summarize(
        string? hours, MessageReader reader, TimeProvider clock, ILoggerFactory loggers)
    {
        var ahead = DefaultHours;
        if (hours is not null && (!int.TryParse(hours, NumberStyles.None, CultureInfo.InvariantCulture, out ahead) || ahead < 1 || ahead > MaxHours))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["hours"] = [$"'hours' must be a whole number from 1 to {MaxHours}."] });
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        MessagesSummary summary;
        try
        {
            summary = await reader.SummarizeAsync(now, ahead * 60, PastMinutes);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSummaryFailed(loggers.CreateLogger(typeof(MessageSummaryEndpoint)), ex);
            return EchoEndpoints.Unavailable();
        }

        return TypedResults.Ok(Overview(now, summary));
    }

    public static MessagesOverview Overview(long nowMs, MessagesSummary summary)
    {
        var batches = new long[LatenessBounds.Length + 1];
        foreach (var late in summary.Past.SelectMany(m => BatchReceipt.Latenesses(m.Receipts)))
        {
            var bucket = Array.FindIndex(LatenessBounds, bound => late < bound);
            batches[bucket < 0 ? LatenessBounds.Length : bucket]++;
        }

        return new MessagesOverview(
            EchoTime.Format(nowMs),
            [.. summary.Ahead.Where(m => m.Pending > 0).Select(m => new PendingMinute(Minute(m.Slot), m.Pending))],
            [.. summary.Past.Where(m => m.Messages > 0).Select(m => new PastMinute(Minute(m.Slot), m.Printed, m.Canceled, m.Expired, m.Moved, m.Pending))],
            [.. batches.Select((count, i) => new LatenessBucket(i < LatenessBounds.Length ? LatenessBounds[i] : null, count))]);
    }

    private static string Minute(long slot) => EchoTime.Format(TimeSlot.StartMs(slot));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Summarizing messages failed; answered 503")]
    private static partial void LogSummaryFailed(ILogger logger, Exception exception);
}
