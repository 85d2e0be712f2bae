using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EchoAtTime.Api.Hosting;

public static class TelemetryExtensions
{
    /// <summary>
    /// OpenTelemetry metrics (EchoAtTime, Orleans, ASP.NET Core, runtime), traces (ASP.NET Core and
    /// Orleans' own sources) and logs, exported over OTLP — only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
    /// is set: without an exporter the SDK would only add work to every grain call.
    /// </summary>
    public static IHostApplicationBuilder AddEchoTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m => m
                .AddMeter(EchoMetrics.MeterName, "Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation())
            .WithTracing(t => t
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation())
            .UseOtlpExporter();
        return builder;
    }
}
