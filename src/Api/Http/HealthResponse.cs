using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EchoAtTime.Api.Http;

/// <summary>
/// The health endpoints' body: the overall status as before ("Healthy" alone when all is well, so
/// probes and scripts see no change), and when not, one line per failing check with its
/// description, so an operator reading a 503 learns why (clock offset, evicting store…) without the logs.
/// </summary>
public static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy))
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Status).Append(": ")
                .Append(entry.Description ?? entry.Exception?.Message ?? "no description");
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }
}
