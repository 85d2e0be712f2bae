using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api;

/// <summary><c>POST /echoAtTime</c> and its batch form.</summary>
public static partial class EchoEndpoints
{
    public static RouteGroupBuilder MapEchoEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/echoAtTime").WithTags("Echo");
        group.MapPost("/", ScheduleOne)
            .WithName("ScheduleEcho")
            .WithSummary("Schedule a message to be printed at a time")
            .Accepts<EchoRequest>("application/json");
        group.MapPost("/batch", ScheduleBatch)
            .WithName("ScheduleEchoBatch")
            .WithSummary("Schedule many messages in one request (all or none)")
            .Accepts<EchoRequest[]>("application/json");
        return group;
    }

    public static async Task<Results<Accepted<EchoAccepted>, ValidationProblem, ProblemHttpResult>> ScheduleOne(
        HttpRequest request, EchoScheduler scheduler, IOptions<ApiOptions> limits, TimeProvider clock, ILoggerFactory loggers)
    {
        var (body, problem) = await ReadJsonAsync(request);
        if (problem is not null)
        {
            return problem;
        }

        using (body)
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (!EchoRequestReader.TryRead(body!.RootElement, "", limits.Value, now, out var item, out var error))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [error.Key] = error.Value });
            }

            var ids = await TryScheduleAsync(scheduler, [item], loggers);
            if (ids is null)
            {
                return Unavailable();
            }

            var id = ids[0];
            return TypedResults.Accepted($"/messages/{id}", new EchoAccepted(id.ToString(), EchoTime.Format(id.DueMs)));
        }
    }

    public static async Task<Results<Accepted<EchoAccepted[]>, ValidationProblem, ProblemHttpResult>> ScheduleBatch(
        HttpRequest request, EchoScheduler scheduler, IOptions<ApiOptions> limits, TimeProvider clock, ILoggerFactory loggers)
    {
        var (body, problem) = await ReadJsonAsync(request);
        if (problem is not null)
        {
            return problem;
        }

        using (body)
        {
            var root = body!.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["The body must be a JSON array of {time, message} objects."] });
            }

            var count = root.GetArrayLength();
            if (count == 0 || count > limits.Value.MaxBatchSize)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"A batch holds 1 to {limits.Value.MaxBatchSize} messages."] });
            }

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var items = new ScheduleRequest[count];
            var i = 0;
            foreach (var element in root.EnumerateArray())
            {
                if (!EchoRequestReader.TryRead(element, $"[{i}].", limits.Value, now, out items[i], out var error))
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [error.Key] = error.Value });
                }

                i++;
            }

            var ids = await TryScheduleAsync(scheduler, items, loggers);
            if (ids is null)
            {
                return Unavailable();
            }

            var accepted = Array.ConvertAll(ids, id => new EchoAccepted(id.ToString(), EchoTime.Format(id.DueMs)));
            return TypedResults.Accepted((string?)null, accepted);
        }
    }

    private static async Task<(JsonDocument? Body, ProblemHttpResult? Problem)> ReadJsonAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Content-Type must be application/json."));
        }

        try
        {
            return (await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted), null);
        }
        catch (JsonException ex)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not valid JSON.", detail: ex.Message));
        }
    }

    private static async Task<MessageId[]?> TryScheduleAsync(EchoScheduler scheduler, IReadOnlyList<EchoAtTime.ScheduleRequest> items, ILoggerFactory loggers)
    {
        try
        {
            return await scheduler.ScheduleAsync(items);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Input was valid, so whatever failed is ours: the store or the cluster is unreachable.
            // The message may or may not have reached Redis; it was not accepted (no 202), so the
            // client retries (with an Idempotency-Key to be safe).
            LogScheduleFailed(loggers.CreateLogger(typeof(EchoEndpoints)), ex);
            return null;
        }
    }

    private static ProblemHttpResult Unavailable() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "The message store is unavailable; the message was not accepted. Retry later.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduling failed; answered 503")]
    private static partial void LogScheduleFailed(ILogger logger, Exception exception);
}
