using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EchoAtTime.Api.Http;

/// <summary>
/// Real schemas for the request fields typed <c>object</c> (the handlers read the raw JSON), which the
/// generator leaves empty and client generators then type as "any": <c>time</c> is an RFC 3339
/// date-time, or Unix epoch milliseconds as a number or as digits; <c>expireAfter</c> an ISO-8601
/// duration or milliseconds. The alternatives exclude each other, as <c>oneOf</c> asks.
/// </summary>
public sealed class RequestTimeSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        var type = context.JsonTypeInfo.Type;
        if ((type == typeof(EchoRequest) || type == typeof(MessageMoveRequest)) && schema.Properties is { } properties)
        {
            properties["time"] = Time();
            if (type == typeof(EchoRequest))
            {
                properties["expireAfter"] = ExpireAfter();
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema Time() => new()
    {
        Description = "When to print: a time already past means now.",
        OneOf =
        [
            new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "date-time",
                Pattern = "^[0-9]{4}-",
                Description = "RFC 3339 date-time; an offset is honoured, none means UTC.",
                Examples = [JsonValue.Create("2026-11-23T10:00:00Z")],
            },
            new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Format = "int64",
                Description = "Unix epoch milliseconds.",
                Examples = [JsonValue.Create(1795428000000)],
            },
            new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = "^-?[0-9]{1,19}$",
                Description = "Unix epoch milliseconds, as a string of digits.",
                Examples = [JsonValue.Create("1795428000000")],
            },
        ],
    };

    private static OpenApiSchema ExpireAfter() => new()
    {
        Description = "How late the message may still print; later, it is marked expired instead. Absent or null: no deadline.",
        OneOf =
        [
            new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "duration",
                Pattern = "^P",
                Description = "ISO-8601 duration.",
                Examples = [JsonValue.Create("PT30S")],
            },
            new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Format = "int64",
                Description = "Milliseconds.",
                Examples = [JsonValue.Create(30000)],
            },
            new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = "^[0-9]{1,19}$",
                Description = "Milliseconds, as a string of digits.",
                Examples = [JsonValue.Create("30000")],
            },
            new OpenApiSchema { Type = JsonSchemaType.Null },
        ],
    };
}
