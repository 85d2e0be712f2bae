using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EchoAtTime.Api.Http;

/// <summary>
/// Redis's protected mode for the HTTP API: while <see cref="AccessPolicy"/> says loopback only, a
/// client elsewhere gets 403 saying how to open up, on every route — the API, the messages page,
/// the dashboard, the OpenAPI document — but the health checks, which an orchestrator on another
/// host must reach. A client with no IP address (a Unix socket, a proxy's pipe) is not loopback.
/// </summary>
public static class ProtectedMode
{
    public const string Title = "Only loopback clients are served while no API key is set.";

    public const string Detail = "Set Echo:ApiKey (or Echo:ApiKeys) and send it in the X-Api-Key header, "
        + "or set Echo:AllowAnonymous=true to serve every client without a key.";

    private const string HealthPath = "/health";

    public static IApplicationBuilder UseProtectedMode(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetRequiredService<AccessPolicy>().Mode != AccessMode.LoopbackOnly)
        {
            return app;
        }

        return app.Use(async (context, next) =>
        {
            if (!Refuses(context))
            {
                await next(context);
                return;
            }

            await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: Title, detail: Detail)
                .ExecuteAsync(context);
        });
    }

    /// <summary>Whether protected mode turns this request away: not a health check, and not from loopback.</summary>
    public static bool Refuses(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return !context.Request.Path.StartsWithSegments(HealthPath) && !IsLoopback(context.Connection.RemoteIpAddress);
    }

    /// <summary>127.0.0.0/8 and ::1, also IPv4-mapped (a dual-mode socket's view of 127.0.0.1).</summary>
    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
