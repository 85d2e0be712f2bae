using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EchoAtTime.Api;

/// <summary>Reads a JSON request body within the limits: 415 for another media type, 413 when too large, 400 when not JSON.</summary>
internal static class RequestBody
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 16 };

    public static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> ReadJsonAsync(HttpRequest request, ApiOptions limits)
    {
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Content-Type must be application/json."));
        }

        if (request.ContentLength > limits.MaxBodyBytes)
        {
            return (null, TooLarge(limits));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limits.MaxBodyBytes;
        }

        try
        {
            return (await JsonDocument.ParseAsync(request.Body, ParseOptions, request.HttpContext.RequestAborted), null);
        }
        catch (JsonException ex)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not valid JSON.", detail: ex.Message));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limits));
        }
        catch (BadHttpRequestException ex)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body could not be read.", detail: ex.Message));
        }
    }

    private static ProblemHttpResult TooLarge(ApiOptions limits) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"The body must be at most {limits.MaxBodyBytes} bytes.");
}
