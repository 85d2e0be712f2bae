using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Net.Http.Headers;

namespace EchoAtTime.Api.Http;

/// <summary>
/// The health endpoints' body: the overall status as before ("Healthy" alone when all is well, so
/// probes and scripts see no change), and when not, one line per failing check with its
/// description, so an operator reading a 503 learns why (clock offset, evicting store…) without the logs.
/// A client that asks for JSON (<c>Accept: application/json</c>) gets every check, and who this
/// process serves (<see cref="AccessPolicy"/>): an open one says so where it is checked.
/// </summary>
public static class HealthResponse
{
    private const string Json = "application/json";

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        if (WantsJson(context.Request))
        {
            var access = context.RequestServices.GetRequiredService<AccessPolicy>().Name;
            var checks = report.Entries.ToDictionary(
                e => e.Key, e => new CheckJson(e.Value.Status.ToString(), e.Value.Description));
            var body = new HealthJson(report.Status.ToString(), access, checks);
            return context.Response.WriteAsJsonAsync(body, context.RequestAborted);
        }

        var text = new StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy))
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Status).Append(": ")
                .Append(entry.Description ?? entry.Exception?.Message ?? "no description");
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }

    private static bool WantsJson(HttpRequest request) =>
        MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted)
        && accepted.Any(a => a.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase));

    private sealed record HealthJson(string Status, string Access, IReadOnlyDictionary<string, CheckJson> Checks);

    private sealed record CheckJson(string Status, string? Description);
}
