using EchoAtTime.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EchoAtTime.Api.Http;

/// <summary>
/// The write endpoints answer 503 while the store can lose what they would acknowledge
/// (<see cref="StoreSettingsCheck.WriteRefusal"/>): a 202 must mean the message is kept. Readiness
/// alone did not stop writes — a client talking to the process directly, or a balancer slow to
/// notice, kept getting 202s for messages an evicting store would drop. Nothing is read from the store
/// per request: the check's last reading (start, reconnect, every 10 s, each readiness probe) decides.
/// </summary>
public static class StoreGuard
{
    public const string Title = "The store can lose accepted messages; nothing was done. Retry once the store is fixed.";

    /// <summary>
    /// Puts the endpoints behind the guard (each write endpoint already lists its 503 in the OpenAPI document).
    /// </summary>
    public static TBuilder RequireSafeStore<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (context, next) =>
        {
            var services = context.HttpContext.RequestServices;
            if (services.GetRequiredService<StoreSettingsCheck>().WriteRefusal is not { } refusal)
            {
                return await next(context).ConfigureAwait(false);
            }

            services.GetRequiredService<EchoMetrics>().Rejected(1, StatusCodes.Status503ServiceUnavailable);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: Title, detail: refusal);
        });
        return builder;
    }
}
