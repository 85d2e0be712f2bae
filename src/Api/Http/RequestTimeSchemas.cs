using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EchoAtTime.Api.Http;

/// <summary>
/// Real schemas for the request fields typed <c>object</c> (the handlers read the raw JSON), which
/// the generator leaves empty and client generators then type as "any": <c>time</c> is an RFC 3339
/// date-time, or Unix epoch milliseconds as a number or as digits; <c>expireAfter</c> an ISO-8601
/// duration or milliseconds. The alternatives exclude each other, as <c>oneOf</c> asks.
/// </summary>
public sealed class RequestTimeSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(
        OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
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

    private static OpenApiSchema Time() => OneOf(
        "When to print: a time already past means now.",
        Alternative(JsonSchemaType.String, "date-time", "^[0-9]{4}-",
            "RFC 3339 date-time; an offset is honoured, none means UTC.", JsonValue.Create("2026-11-23T10:00:00Z")),
        Alternative(JsonSchemaType.Integer, "int64", null, "Unix epoch milliseconds.", JsonValue.Create(1795428000000)),
        Alternative(JsonSchemaType.String, null, "^-?[0-9]{1,19}$", "Unix epoch milliseconds, as a string of digits.",
            JsonValue.Create("1795428000000")));

    private static OpenApiSchema ExpireAfter() => OneOf(
        "How late the message may still print; later, it is marked expired instead. "
        + "Absent or null: no deadline.",
        Alternative(JsonSchemaType.String, "duration", "^P", "ISO-8601 duration.", JsonValue.Create("PT30S")),
        Alternative(JsonSchemaType.Integer, "int64", null, "Milliseconds.", JsonValue.Create(30000)),
        Alternative(JsonSchemaType.String, null, "^[0-9]{1,19}$", "Milliseconds, as a string of digits.",
            JsonValue.Create("30000")),
        new OpenApiSchema { Type = JsonSchemaType.Null });

    private static OpenApiSchema OneOf(string description, params IOpenApiSchema[] alternatives) =>
        new() { Description = description, OneOf = [.. alternatives] };

    private static OpenApiSchema Alternative(
        JsonSchemaType type, string? format, string? pattern, string description, JsonNode example) =>
        new() { Type = type, Format = format, Pattern = pattern, Description = description, Examples = [example] };
}
