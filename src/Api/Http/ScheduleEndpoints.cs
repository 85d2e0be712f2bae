using EchoAtTime.Api.Accept;
using EchoAtTime.Api.Hosting;
using EchoAtTime.Api.Schedules;
using EchoAtTime.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Http;

/// <summary>
/// <c>/schedules</c>: recurring messages (design: "Recurring messages"). Every route needs the API key when one is
/// set (a schedule holds its message text); the writes are rate-limited like the other writes.
/// </summary>
public static partial class ScheduleEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    public static RouteGroupBuilder MapScheduleEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/schedules").WithTags("Schedules").RequireApiKey()
            .ProducesProblem(StatusCodes.Status403Forbidden) // protected mode
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/", CreateSchedule)
            .WithName("CreateSchedule")
            .WithSummary("Create a recurring message: a cron expression in a time zone; each occurrence prints as an ordinary message")
            .Accepts<ScheduleCreateRequest>("application/json")
            .LimitWrites()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("/", ListSchedules)
            .WithName("ListSchedules")
            .WithSummary("Schedules in creation order, a page at a time")
            .ProducesValidationProblem();
        group.MapGet("/{id}", GetSchedule)
            .WithName("GetSchedule")
            .WithSummary("A schedule: its cron, zone, message, policy, whether paused, its next occurrence and the last that printed")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{id}", DeleteSchedule)
            .WithName("DeleteSchedule")
            .WithSummary("Delete a schedule: once answered, nothing more of it prints (occurrences already materialised are canceled)")
            .LimitWrites()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/pause", PauseSchedule)
            .WithName("PauseSchedule")
            .WithSummary("Pause a schedule: once answered, nothing more of it prints until it is resumed")
            .LimitWrites()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/resume", ResumeSchedule)
            .WithName("ResumeSchedule")
            .WithSummary("Resume a paused schedule from now (occurrences during the pause are not caught up)")
            .LimitWrites()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static async Task<Results<Created<ScheduleCreated>, ValidationProblem, ProblemHttpResult>> CreateSchedule(
        HttpRequest request, ScheduleService service, IOptions<ApiOptions> options, [FromKeyedServices(AcceptClock.Key)] TimeProvider clock,
        ILoggerFactory loggers)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(request, options.Value);
        if (problem is not null)
        {
            return problem;
        }

        using (body)
        {
            var headerKey = request.Headers.TryGetValue(EchoEndpoints.IdempotencyHeader, out var values) ? values.ToString() : null;
            var nowMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (!ScheduleRequestReader.TryRead(body!.RootElement, headerKey, options.Value, nowMs, out var schedule, out var cron, out var errors))
            {
                return TypedResults.ValidationProblem(errors);
            }

            var created = await TryAsync(() => service.CreateAsync(schedule, cron), loggers);
            if (created is not var (outcome, id))
            {
                return EchoEndpoints.Unavailable();
            }

            return outcome switch
            {
                ScheduleCreation.Conflict => Conflict("The idempotency key was used before for a different schedule; nothing was created.", id),
                ScheduleCreation.Deleted => Conflict("The schedule created under this idempotency key was deleted since.", id),
                _ => TypedResults.Created($"/schedules/{id}", new ScheduleCreated(id, cron.NextAfter(nowMs) is { } next ? EchoTime.Format(next) : null)),
            };
        }
    }

    public static async Task<Results<Ok<ScheduleState>, ProblemHttpResult>> GetSchedule(string id, ScheduleService service, ILoggerFactory loggers)
    {
        if (!ScheduleService.IsId(id))
        {
            return NotFound(id);
        }

        var found = await TryAsync(async () => (Found: await service.GetAsync(id), true), loggers);
        return found switch
        {
            null => EchoEndpoints.Unavailable(),
            { Found: { } view } => TypedResults.Ok(ScheduleState.Of(view)),
            _ => NotFound(id),
        };
    }

    public static async Task<Results<Ok<ScheduleList>, ValidationProblem, ProblemHttpResult>> ListSchedules(
        string? cursor, string? limit, ScheduleService service, ILoggerFactory loggers)
    {
        var errors = new Dictionary<string, string[]>();
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"'limit' must be a whole number from 1 to {MaxLimit}."];
        }

        if (cursor is not null && !ScheduleService.IsId(cursor))
        {
            errors["cursor"] = ["'cursor' must be the 'next' of a previous page."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var page = await TryAsync(() => service.ListAsync(cursor, take), loggers);
        return page is var (views, next)
            ? TypedResults.Ok(new ScheduleList([.. views.Select(ScheduleState.Of)], next))
            : EchoEndpoints.Unavailable();
    }

    /// <summary>
    /// 204 once nothing more of it prints (also for a repeat while its record is kept); 404 when unknown.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteSchedule(string id, ScheduleStopper stopper, ILoggerFactory loggers)
    {
        if (!ScheduleService.IsId(id))
        {
            return NotFound(id);
        }

        return await TryAsync(() => stopper.StopAsync(id, delete: true), loggers) switch
        {
            null => EchoEndpoints.Unavailable(),
            true => TypedResults.NoContent(),
            false => NotFound(id),
        };
    }

    public static async Task<Results<Ok<ScheduleState>, ProblemHttpResult>> PauseSchedule(
        string id, ScheduleStopper stopper, ScheduleService service, ILoggerFactory loggers)
    {
        if (!ScheduleService.IsId(id))
        {
            return NotFound(id);
        }

        var view = await TryAsync(async () => (View: await stopper.StopAsync(id, delete: false) ? await service.GetAsync(id) : null, true), loggers);
        return view switch
        {
            null => EchoEndpoints.Unavailable(),
            { View: { } paused } => TypedResults.Ok(ScheduleState.Of(paused)),
            _ => NotFound(id),
        };
    }

    public static async Task<Results<Ok<ScheduleState>, ProblemHttpResult>> ResumeSchedule(string id, ScheduleService service, ILoggerFactory loggers)
    {
        if (!ScheduleService.IsId(id))
        {
            return NotFound(id);
        }

        var view = await TryAsync(async () => (View: await service.ResumeAsync(id), true), loggers);
        return view switch
        {
            null => EchoEndpoints.Unavailable(),
            { View: { } resumed } => TypedResults.Ok(ScheduleState.Of(resumed)),
            _ => NotFound(id),
        };
    }

    /// <summary>Runs a store call; null when the store is unreachable (answered 503).</summary>
    private static async Task<T?> TryAsync<T>(Func<Task<T>> call, ILoggerFactory loggers)
        where T : struct
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(loggers.CreateLogger(typeof(ScheduleEndpoints)), ex);
            return null;
        }
    }

    private static ProblemHttpResult NotFound(string id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "No such schedule (or it was deleted).",
        detail: id.Length > 64 ? null : $"id '{id}'");

    private static ProblemHttpResult Conflict(string title, string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: $"schedule '{id}'");

    [LoggerMessage(Level = LogLevel.Warning, Message = "A schedule request failed; answered 503")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
