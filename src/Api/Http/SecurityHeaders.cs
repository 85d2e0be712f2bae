using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EchoAtTime.Api.Http;

/// <summary>
/// Keeps the messages page and the dashboard out of other sites' frames, where a lured click could
/// cancel a message (clickjacking), and stops browsers guessing content types. Every answer gets
/// <c>X-Frame-Options</c>, <c>X-Content-Type-Options</c> and a CSP <c>frame-ancestors</c>; the page
/// gets a whole content security policy: its own scripts, styles and API calls, nothing else.
/// </summary>
public static class SecurityHeaders
{
    public const string PagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The rest (JSON, the dashboard, whose scripts are Orleans' own): only the framing rule.</summary>
    public const string OtherPolicy = "frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy =
                context.Request.Path.StartsWithSegments(MessagesPage.Path) ? PagePolicy : OtherPolicy;
            return next(context);
        });
}
