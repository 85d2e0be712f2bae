using System.Text.Json;
using EchoAtTime.Api.Accept;
using EchoAtTime.Api.Hosting;
using EchoAtTime.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Http;

/// <summary>
/// <c>PATCH /messages/{id}</c> with <c>{"time": …}</c>: reschedules a scheduled message
/// (<see cref="MessageMover"/>). It gets a new id; the old one answers <c>moved</c> with it. A repeat
/// of the same move answers the same new id, so a client that lost the answer simply sends it again.
/// </summary>
public static partial class MessageMoveEndpoint
{
    public static async Task<Results<Ok<MessageMoved>, ValidationProblem, ProblemHttpResult>> MoveMessage(
        string id, HttpRequest request, MessageMover mover, IOptions<ApiOptions> options, [FromKeyedServices(AcceptClock.Key)] TimeProvider clock, ILoggerFactory loggers)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(request, options.Value);
        if (problem is not null)
        {
            return problem;
        }

        long newDueMs;
        using (body)
        {
            if (!TryReadTime(body!.RootElement, options.Value, clock.GetUtcNow().ToUnixTimeMilliseconds(), out newDueMs, out var errors))
            {
                return TypedResults.ValidationProblem(errors);
            }
        }

        if (!MessageId.TryParse(id, out var messageId))
        {
            return MessageEndpoints.NotFound(id);
        }

        MoveRecord record;
        try
        {
            record = await mover.MoveAsync(messageId, newDueMs);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The move may have taken the message already: it is finished by a retry or, within
            // seconds, by any silo's recovery. Either way it prints once.
            LogMoveFailed(loggers.CreateLogger(typeof(MessageMoveEndpoint)), ex);
            return EchoEndpoints.Unavailable();
        }

        return record switch
        {
            { Step: MoveStep.Arrived, NewId: { } newId } when record.NewDueMs == newDueMs =>
                TypedResults.Ok(new MessageMoved(newId.ToString(), EchoTime.Format(newId.DueMs), messageId.ToString())),
            { Step: MoveStep.Arrived or MoveStep.Leaving } => Conflict(
                "The message was already moved to another time; reschedule the message it became.",
                record.NewId is { } other ? $"moved to '{other}'" : $"moving to {EchoTime.Format(record.NewDueMs)}"),
            { Step: MoveStep.Printed } => Conflict("The message was already printed (or is being printed) and cannot be moved."),
            { Step: MoveStep.Canceled } => Conflict("The message was canceled and cannot be moved."),
            { Step: MoveStep.Expired } => Conflict("The message expired (it was never printed) and cannot be moved."),
            { Step: MoveStep.Aborted } => EchoEndpoints.Unavailable(),
            _ => MessageEndpoints.NotFound(id),
        };
    }

    /// <summary>
    /// The body: an object with <c>time</c> (as for scheduling) and nothing else — only the time can change.
    /// </summary>
    private static bool TryReadTime(JsonElement body, ApiOptions limits, long nowMs, out long dueMs, out Dictionary<string, string[]> errors)
    {
        dueMs = 0;
        errors = [];
        if (body.ValueKind != JsonValueKind.Object || !ScheduleItemReader.HasUnicodeNames(body))
        {
            errors["$"] = ["must be an object with 'time', its property names valid Unicode text"];
            return false;
        }

        // A name is echoed back only when it is short and printable; any other is reported as "$".
        foreach (var property in body.EnumerateObject().Where(p => p.Name != "time"))
        {
            var named = property.Name.Length <= 64 && !property.Name.Any(char.IsControl);
            errors[named ? property.Name : "$"] = ["cannot be changed: a reschedule takes only 'time'"];
        }

        if (!ScheduleItemReader.TryReadTime(body, "", limits, nowMs, out dueMs, out var error))
        {
            errors[error.Key] = error.Value;
        }

        return errors.Count == 0;
    }

    private static ProblemHttpResult Conflict(string title, string? detail = null) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message reschedule failed; answered 503")]
    private static partial void LogMoveFailed(ILogger logger, Exception exception);
}
