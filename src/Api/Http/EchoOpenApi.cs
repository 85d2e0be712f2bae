using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace EchoAtTime.Api.Http;

/// <summary>
/// <c>/openapi/v1.json</c> as a user's tooling reads it (Redocly CLI's recommended rules pass): one
/// title for silo and gateway, a license, described tags, server URLs without a trailing slash, the
/// key's scheme (<see cref="ApiKeySecurity"/>) and real schemas for times (<see cref="RequestTimeSchemas"/>).
/// </summary>
public static class EchoOpenApi
{
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Echo"] = "Schedule messages to be printed at a time: one, or a batch with a result per item.",
        ["Messages"] = "Scheduled messages: status and delivery receipt by id, the listing and its summary, "
            + "cancel and reschedule.",
        ["Schedules"] = "Recurring messages: a cron expression in a time zone; each occurrence prints as an ordinary message.",
    };

    public static IServiceCollection AddEchoOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            o.AddOperationTransformer<ApiKeySecurity>();
            o.AddSchemaTransformer<RequestTimeSchemas>();
        });

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "EchoAtTime",
            Version = document.Info?.Version ?? "1.0.0",
            Description = "Prints a message on a server's console at a given time. Every silo and the gateway serve "
                + "this API. With a key set, writes and the listing need it (X-Api-Key); with none, only loopback "
                + "clients are served unless Echo:AllowAnonymous=true.",
            // The repository grants no license: say so (an SPDX reference of our own), not leave it to guesses.
            License = new OpenApiLicense
            {
                Name = "Proprietary: all rights reserved",
                Identifier = "LicenseRef-Proprietary",
            },
        };

        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            tag.Description ??= TagDescriptions.GetValueOrDefault(tag.Name ?? "");
        }

        // The generator names the server with the request's base path and a slash: ".../" joins
        // with "/echoAtTime" into "//echoAtTime" in some clients.
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }
    }
}
