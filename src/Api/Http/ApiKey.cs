using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EchoAtTime.Api.Http;

/// <summary>
/// <c>Echo:ApiKey</c> and <c>Echo:ApiKeys</c>: when any is set, writes need header <c>X-Api-Key</c>
/// with one of them (<see cref="ApiKeyRing"/> compares). Browsers may send it as the password of HTTP
/// Basic auth, which is how the dashboard prompts for it.
/// </summary>
public static class ApiKey
{
    public const string Header = "X-Api-Key";

    private const string Challenge = "Basic realm=\"EchoAtTime\"";

    public static bool IsAuthorized(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ring = context.RequestServices.GetRequiredService<ApiKeyRing>();
        return ring.IsEmpty || ring.Match(Presented(context.Request)) >= 0;
    }

    /// <summary>The key the request carries: header <c>X-Api-Key</c>, else the Basic password; "" for none.</summary>
    public static string Presented(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var given = request.Headers[Header].ToString();
        if (given.Length == 0
            && AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var auth)
            && string.Equals(auth.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            && auth.Parameter is { } encoded)
        {
            given = BasicPassword(encoded);
        }

        return given;
    }

    public static IResult Unauthorized() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: $"This endpoint needs the {Header} header.");

    /// <summary>
    /// Guards every request under <paramref name="path"/> (the dashboard): 401 with a Basic challenge,
    /// so a browser asks for the key as a password.
    /// </summary>
    public static IApplicationBuilder RequireApiKeyUnder(this IApplicationBuilder app, string path) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(path) || IsAuthorized(context))
            {
                await next(context);
                return;
            }

            context.Response.Headers.WWWAuthenticate = Challenge;
            await Unauthorized().ExecuteAsync(context);
        });

    /// <summary>
    /// Puts the endpoints behind the key: the filter below, a 401 in the OpenAPI document, and the
    /// <see cref="Required"/> mark by which the document says these operations need the key.
    /// </summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(RequireAsync).WithMetadata(Required.Mark)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

    /// <summary>
    /// Endpoint filter for the endpoints behind the key. Its 401 carries the Basic challenge too
    /// (RFC 9110 asks one of every 401), so a browser that gave the key for the messages page sends
    /// it again for the page's own calls.
    /// </summary>
    public static async ValueTask<object?> RequireAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (IsAuthorized(context.HttpContext))
        {
            return await next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = Challenge;
        return Unauthorized();
    }

    /// <summary>Endpoint metadata: this endpoint needs the key whenever one is set.</summary>
    public sealed class Required
    {
        public static readonly Required Mark = new();

        private Required()
        {
        }
    }

    private static string BasicPassword(string encoded)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? "" : text[(colon + 1)..];
        }
        catch (FormatException)
        {
            return "";
        }
    }
}
