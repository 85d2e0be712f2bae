using EchoAtTime.Api.Accept;
using EchoAtTime.Api.Queries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace EchoAtTime.Api.Http;

/// <summary>
/// <c>/messages</c>: the listing, a message's status, cancel and reschedule (<see cref="MessageMoveEndpoint"/>).
/// </summary>
public static partial class MessageEndpoints
{
    public static RouteGroupBuilder MapMessageEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/messages").WithTags("Messages")
            .ProducesProblem(StatusCodes.Status403Forbidden); // protected mode
        group.MapGet("/", MessageListEndpoint.ListMessages)
            .WithName("ListMessages")
            .WithSummary("Messages by due time, in (due, acceptance) order, a page at a time")
            .WithDescription("Lists the messages of minutes that still hold them (pending minutes: scheduled ones, and the printed, canceled and expired ones beside them until the minute is drained); a finished minute's messages answer by id. Needs the API key when one is set: the answer holds message texts.")
            .RequireApiKey()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/summary", MessageSummaryEndpoint.Summarize)
            .WithName("SummarizeMessages")
            .WithSummary("Pending messages per minute ahead, outcomes of the last minutes, lateness of the last hour")
            .RequireApiKey()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/{id}", GetMessage)
            .WithName("GetMessage")
            .WithSummary("Status of a message: scheduled, printed (with its delivery receipt), canceled or expired")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapDelete("/{id}", CancelMessage)
            .WithName("CancelMessage")
            .WithSummary("Cancel a scheduled message")
            .RequireApiKey()
            .LimitWrites().RequireSafeStore()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPatch("/{id}", MessageMoveEndpoint.MoveMessage)
            .WithName("RescheduleMessage")
            .WithSummary("Reschedule a scheduled message: it gets a new id, and the old one answers moved with it")
            .WithDescription("Printed at its old time or at its new one, never both and never neither. A repeat of the same move answers the same new id; 409 once it is printed, being printed, canceled, expired, or moved to another time.")
            .Accepts<MessageMoveRequest>("application/json")
            .RequireApiKey()
            .LimitWrites().RequireSafeStore()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    public static async Task<Results<Ok<MessageState>, ProblemHttpResult>> GetMessage(
        string id, MessageReader reader, ILoggerFactory loggers)
    {
        if (!MessageId.TryParse(id, out var messageId))
        {
            return NotFound(id);
        }

        if (await TryAskAsync(() => reader.LookupAsync(messageId), loggers) is not { } record)
        {
            return EchoEndpoints.Unavailable();
        }

        return record.Status == MessageStatus.Unknown
            ? NotFound(id)
            : TypedResults.Ok(MessageState.Of(messageId, record));
    }

    /// <summary>
    /// 204 when canceled (it will never print), 409 when already printed (or printing), 404 when unknown.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> CancelMessage(
        string id, MessageWriter writer, ILoggerFactory loggers)
    {
        if (!MessageId.TryParse(id, out var messageId))
        {
            return NotFound(id);
        }

        if (await TryAskAsync(() => writer.CancelAsync(messageId), loggers) is not { } outcome)
        {
            return EchoEndpoints.Unavailable();
        }

        return outcome switch
        {
            CancelOutcome.Canceled => TypedResults.NoContent(),
            CancelOutcome.Moved => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The message was rescheduled; cancel the message it became (GET it for its movedTo)."),
            CancelOutcome.AlreadyPrinted => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The message was already printed (or is being printed) and cannot be canceled."),
            CancelOutcome.Expired => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The message expired (it was never printed) and cannot be canceled."),
            _ => NotFound(id),
        };
    }

    /// <summary>Reads or cancels; null when the store is unreachable (answered 503).</summary>
    private static async Task<T?> TryAskAsync<T>(Func<Task<T>> ask, ILoggerFactory loggers)
        where T : struct
    {
        try
        {
            return await ask();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLookupFailed(loggers.CreateLogger(typeof(MessageEndpoints)), ex);
            return null;
        }
    }

    internal static ProblemHttpResult NotFound(string id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "No such message (or its record has expired).",
        detail: id.Length > 64 ? null : $"id '{id}'");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message lookup or cancel failed; answered 503")]
    private static partial void LogLookupFailed(ILogger logger, Exception exception);
}
