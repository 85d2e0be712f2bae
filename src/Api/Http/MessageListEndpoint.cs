using EchoAtTime.Api.Queries;
using EchoAtTime.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace EchoAtTime.Api.Http;

/// <summary>
/// <c>GET /messages?from=&amp;to=&amp;status=&amp;limit=&amp;cursor=</c>: messages by due time in (due,
/// acceptance) order, a page at a time. Bounded work per call (<see cref="MessageReader.BrowseAsync"/>):
/// a page may hold fewer than <c>limit</c> messages and still have a <c>next</c>.
/// </summary>
public static partial class MessageListEndpoint
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    // The states a message can be listed in: every state but unknown, named as the API writes them.
    private static readonly string[] Statuses =
        [.. Enum.GetValues<MessageStatus>().Where(s => s != MessageStatus.Unknown).Select(s => s.ToString().ToLowerInvariant())];

    public static async Task<Results<Ok<MessageList>, ValidationProblem, ProblemHttpResult>> ListMessages(
        string? from, string? to, string? status, string? limit, string? cursor,
        MessageReader reader, ILoggerFactory loggers)
    {
        if (!TryRead(from, to, status, limit, cursor, out var query, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        BrowsePage page;
        try
        {
            page = await reader.BrowseAsync(query);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogListFailed(loggers.CreateLogger(typeof(MessageListEndpoint)), ex);
            return EchoEndpoints.Unavailable();
        }

        return TypedResults.Ok(new MessageList(
            [.. page.Messages.Select(MessageItem.Of)],
            page.Next?.ToString()));
    }

    /// <summary>Validates the query; every bad parameter is named at once.</summary>
    public static bool TryRead(string? from, string? to, string? status, string? limit, string? cursor, out BrowseQuery query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        long fromMs = 0, toMs = EchoTime.MaxEpochMs;
        if (from is not null && !EchoTime.TryParse(from, out fromMs, out var error))
        {
            errors["from"] = [$"'from' {error}."];
        }

        if (to is not null && !EchoTime.TryParse(to, out toMs, out error))
        {
            errors["to"] = [$"'to' {error}."];
        }
        else if (toMs < fromMs && !errors.ContainsKey("from"))
        {
            errors["to"] = ["'to' must not be before 'from'."];
        }

        MessageStatus? wanted = null;
        if (status is not null)
        {
            if (Array.IndexOf(Statuses, status) < 0)
            {
                errors["status"] = [$"'status' must be one of {string.Join(", ", Statuses)}."];
            }
            else
            {
                wanted = Enum.Parse<MessageStatus>(status, ignoreCase: true);
            }
        }

        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out take) || take < 1 || take > MaxLimit))
        {
            errors["limit"] = [$"'limit' must be a whole number from 1 to {MaxLimit}."];
        }

        BrowseCursor after = default;
        if (cursor is not null && !BrowseCursor.TryParse(cursor, out after))
        {
            errors["cursor"] = ["'cursor' must be the 'next' of an earlier page."];
        }

        query = new BrowseQuery(fromMs, toMs, wanted, take, cursor is null ? null : after);
        return errors.Count == 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing messages failed; answered 503")]
    private static partial void LogListFailed(ILogger logger, Exception exception);
}
