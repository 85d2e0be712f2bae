using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EchoAtTime.Api.Http;

/// <summary>
/// The OpenAPI document says how to send the key, so generated clients send it: an <c>apiKey</c>
/// scheme in header <c>X-Api-Key</c>, required on the operations behind it (<see cref="ApiKey.Required"/>)
/// and optional on the others, which answer without it when a key is set.
/// </summary>
public sealed class ApiKeySecurity : IOpenApiOperationTransformer
{
    public const string SchemeName = "ApiKey";

    public Task TransformAsync(
        OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var document = context.Document ?? throw new InvalidOperationException("An operation outside a document.");
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes.TryAdd(SchemeName, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKey.Header,
            Description = "One of the keys in Echo:ApiKey and Echo:ApiKeys. Browsers may send it as the password of "
                + "HTTP Basic auth instead. With no key set, only loopback clients are served (others get 403) "
                + "unless Echo:AllowAnonymous=true.",
        });

        var key = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] };
        var required = context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiKey.Required>().Any();
        operation.Security = required ? [key] : [new OpenApiSecurityRequirement(), key];
        return Task.CompletedTask;
    }
}
