using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using EchoAtTime.Api.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EchoAtTime.Api.Http;

/// <summary>
/// Reads a JSON request body within the limits: 415 for another media type, 413 when too large, 400 when not JSON.
/// </summary>
internal static class RequestBody
{
    /// <summary>
    /// What every 415 says, this reader's and routing's own (see EchoApiExtensions' problem details).
    /// </summary>
    public const string SendJson = "Send the body as JSON, with Content-Type: application/json.";

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 16 };

    public static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> ReadJsonAsync(HttpRequest request, ApiOptions limits)
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type", detail: SendJson));
        }

        if (request.ContentLength > limits.MaxBodyBytes)
        {
            return (null, TooLarge(limits));
        }

        // A body streamed past the limit (no Content-Length) is read on to its end, up to as much again, before the
        // 413: a server that answers and closes on unread bytes resets a client still sending, which then never reads
        // the answer (seen in the fuzz through the gateway: "Error while copying content to a stream"). Past that
        // allowance the server refuses to read on and the connection closes, as it did at the limit before.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limits.MaxBodyBytes > long.MaxValue / 2 ? long.MaxValue : limits.MaxBodyBytes * 2;
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(new CappedBody(request.Body, limits.MaxBodyBytes), ParseOptions, request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            return (null, NotJson(ex.Message));
        }
        catch (BodyOverLimitException)
        {
            await DrainAsync(request);
            return (null, TooLarge(limits));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limits));
        }
        catch (BadHttpRequestException ex)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body could not be read.", detail: ex.Message));
        }

        // The parser checks the structure but not the bytes inside strings: invalid UTF-8 there
        // would surface later as an exception (500) or a misleading field error.
        if (!Utf8.IsValid(JsonMarshal.GetRawUtf8Value(document.RootElement)))
        {
            document.Dispose();
            return (null, NotJson("The body is not valid UTF-8."));
        }

        return (document, null);
    }

    private static async Task DrainAsync(HttpRequest request)
    {
        try
        {
            await request.Body.CopyToAsync(Stream.Null, request.HttpContext.RequestAborted);
        }
        catch (BadHttpRequestException)
        {
            // Past the allowance, or a broken body: the 413 stands and the connection closes after it.
        }
    }

    private static ProblemHttpResult NotJson(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not valid JSON.", detail: detail);

    private static ProblemHttpResult TooLarge(ApiOptions limits) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"The body must be at most {limits.MaxBodyBytes} bytes.");
}
