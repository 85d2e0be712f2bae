using System.Text.Json;
using EchoAtTime.Api.Accept;
using EchoAtTime.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Http;

/// <summary><c>POST /echoAtTime</c> and its batch form.</summary>
public static partial class EchoEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static RouteGroupBuilder MapEchoEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/echoAtTime").WithTags("Echo").RequireApiKey().LimitWrites().RequireSafeStore()
            .ProducesProblem(StatusCodes.Status403Forbidden); // protected mode
        group.MapPost("/", ScheduleOne)
            .WithName("ScheduleEcho")
            .WithSummary("Schedule a message to be printed at a time")
            .Accepts<EchoRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/batch", ScheduleBatch)
            .WithName("ScheduleEchoBatch")
            .WithSummary("Schedule many messages in one request, with a result per item")
            .Accepts<EchoRequest[]>("application/json")
            .Produces<BatchItemResult[]>(StatusCodes.Status207MultiStatus)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    public static async Task<Results<Accepted<EchoAccepted>, ValidationProblem, ProblemHttpResult>> ScheduleOne(
        HttpRequest request, MessageWriter writer, IOptions<ApiOptions> options, [FromKeyedServices(AcceptClock.Key)] TimeProvider clock,
        EchoMetrics metrics, ILoggerFactory loggers)
    {
        var result = await ScheduleOneAsync(request, writer, options.Value, clock, loggers);
        if (result.Result is IStatusCodeHttpResult { StatusCode: not StatusCodes.Status202Accepted } rejected)
        {
            metrics.Rejected(1, rejected.StatusCode ?? 0);
        }

        return result;
    }

    private static async Task<Results<Accepted<EchoAccepted>, ValidationProblem, ProblemHttpResult>> ScheduleOneAsync(
        HttpRequest request, MessageWriter writer, ApiOptions limits, TimeProvider clock, ILoggerFactory loggers)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(request, limits);
        if (problem is not null)
        {
            return problem;
        }

        using (body)
        {
            if (!TryHeaderKey(request, limits, out var headerKey, out var keyError))
            {
                return Invalid(keyError);
            }

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (!ScheduleItemReader.TryRead(body!.RootElement, "", headerKey, limits, now, out var item, out var errors))
            {
                return TypedResults.ValidationProblem(errors);
            }

            var results = await TryScheduleAsync(writer, [item], loggers);
            if (results is null || results[0].Outcome == ScheduleOutcome.Unavailable)
            {
                return Unavailable();
            }

            var result = results[0];
            if (result.Outcome == ScheduleOutcome.KeyConflict)
            {
                return KeyConflict(headerKey is not null ? IdempotencyHeader : body.RootElement.TryGetProperty("idempotencyKey", out _) ? "idempotencyKey" : "id");
            }

            var id = result.Id.ToString();
            return TypedResults.Accepted("/messages/" + id, new EchoAccepted(id, EchoTime.Format(result.Id.DueMs)));
        }
    }

    /// <summary>
    /// 202 when every item was accepted (or repeated an earlier one under its key); 207 with each
    /// item's own status when some were not; 400 when none was valid.
    /// </summary>
    public static async Task<Results<Accepted<BatchItemResult[]>, JsonHttpResult<BatchItemResult[]>, ValidationProblem, ProblemHttpResult>> ScheduleBatch(
        HttpRequest request, MessageWriter writer, IOptions<ApiOptions> options, [FromKeyedServices(AcceptClock.Key)] TimeProvider clock,
        EchoMetrics metrics, ILoggerFactory loggers)
    {
        var result = await ScheduleBatchAsync(request, writer, options.Value, clock, loggers);
        switch (result.Result)
        {
            case IValueHttpResult { Value: BatchItemResult[] items }:
                foreach (var group in items.Where(i => i.Status != StatusCodes.Status202Accepted).GroupBy(i => i.Status))
                {
                    metrics.Rejected(group.Count(), group.Key);
                }

                break;
            case IStatusCodeHttpResult { StatusCode: { } status }:
                metrics.Rejected(1, status);
                break;
        }

        return result;
    }

    private static async Task<Results<Accepted<BatchItemResult[]>, JsonHttpResult<BatchItemResult[]>, ValidationProblem, ProblemHttpResult>> ScheduleBatchAsync(
        HttpRequest request, MessageWriter writer, ApiOptions limits, TimeProvider clock, ILoggerFactory loggers)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(request, limits);
        if (problem is not null)
        {
            return problem;
        }

        using (body)
        {
            if (request.Headers.ContainsKey(IdempotencyHeader))
            {
                return Invalid(ScheduleItemReader.Error(IdempotencyHeader, "does not apply to a batch: give each item its own 'idempotencyKey'"));
            }

            var root = body!.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return Invalid(ScheduleItemReader.Error("$", "must be a JSON array of {time, message} objects"));
            }

            var count = root.GetArrayLength();
            if (count == 0 || count > limits.MaxBatchSize)
            {
                return Invalid(ScheduleItemReader.Error("$", $"must hold 1 to {limits.MaxBatchSize} messages"));
            }

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var items = new BatchItemResult[count];
            var valid = new List<(int Index, ScheduleRequest Request)>(count);
            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                if (ScheduleItemReader.TryRead(element, $"[{index}].", null, limits, now, out var item, out var errors))
                {
                    valid.Add((index, item));
                }
                else
                {
                    items[index] = new BatchItemResult(index, StatusCodes.Status400BadRequest, Errors: errors);
                }

                index++;
            }

            if (valid.Count == 0)
            {
                return TypedResults.ValidationProblem(items.SelectMany(i => i.Errors!).ToDictionary());
            }

            var results = await TryScheduleAsync(writer, valid.Select(v => v.Request).ToArray(), loggers);
            if (results is null || results.All(r => r.Outcome == ScheduleOutcome.Unavailable))
            {
                return Unavailable();
            }

            for (var k = 0; k < valid.Count; k++)
            {
                var (i, result) = (valid[k].Index, results[k]);
                items[i] = result.Outcome switch
                {
                    ScheduleOutcome.KeyConflict => new BatchItemResult(i, StatusCodes.Status409Conflict, Errors: new Dictionary<string, string[]> { [$"[{i}].id"] = ["The key was used before for a different request."] }),
                    // Only this item's store call failed: the others of the batch are stored and answered so.
                    ScheduleOutcome.Unavailable => new BatchItemResult(i, StatusCodes.Status503ServiceUnavailable, Errors: new Dictionary<string, string[]> { [$"[{i}]"] = ["The message store did not carry this item out; retry it (with its idempotencyKey, retrying is always safe)."] }),
                    _ => new BatchItemResult(i, StatusCodes.Status202Accepted, result.Id.ToString(), EchoTime.Format(result.Id.DueMs)),
                };
            }

            return items.All(i => i.Status == StatusCodes.Status202Accepted)
                ? TypedResults.Accepted((string?)null, items)
                : TypedResults.Json(items, statusCode: StatusCodes.Status207MultiStatus);
        }
    }

    private static bool TryHeaderKey(HttpRequest request, ApiOptions limits, out string? key, out KeyValuePair<string, string[]> error)
    {
        error = default;
        key = null;
        if (!request.Headers.TryGetValue(IdempotencyHeader, out var values))
        {
            return true;
        }

        key = values.ToString();
        if (values.Count != 1 || !ScheduleItemReader.IsValidKey(key, limits))
        {
            error = ScheduleItemReader.Error(IdempotencyHeader, $"must be one value of 1 to {limits.MaxIdempotencyKeyLength} printable characters");
            return false;
        }

        return true;
    }

    private static async Task<ScheduleResult[]?> TryScheduleAsync(
        MessageWriter writer, IReadOnlyList<ScheduleRequest> items, ILoggerFactory loggers)
    {
        try
        {
            return await writer.WriteAsync(items);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Input was valid, so whatever failed is ours: the store or the cluster is unreachable.
            // The message was not accepted (no 202); a retry with an idempotency key is always safe.
            LogScheduleFailed(loggers.CreateLogger(typeof(EchoEndpoints)), ex);
            return null;
        }
    }

    private static ValidationProblem Invalid(KeyValuePair<string, string[]> error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [error.Key] = error.Value });

    private static ProblemHttpResult KeyConflict(string field) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: $"The idempotency key ('{field}') was used before for a different request; nothing was scheduled.",
        extensions: new Dictionary<string, object?> { ["field"] = field });

    internal static ProblemHttpResult Unavailable() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "The message store is unavailable; the request was not carried out. Retry later.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduling failed; answered 503")]
    private static partial void LogScheduleFailed(ILogger logger, Exception exception);
}
