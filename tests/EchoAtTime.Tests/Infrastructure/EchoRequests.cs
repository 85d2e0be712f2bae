using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>The one way the end-to-end tests post a message, with or without an <c>Idempotency-Key</c>.</summary>
public static class EchoRequests
{
    /// <summary>
    /// Posts <c>{time, message}</c> to <paramref name="target"/>; the id is set only on a <c>202</c>.
    /// </summary>
    public static async Task<(HttpStatusCode Status, string? Id)> PostAsync(
        HttpClient http, ServiceProcess target, long dueMs, string message, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseUrl, "echoAtTime"))
        {
            Content = JsonContent.Create(new { time = dueMs, message }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return (response.StatusCode, null);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.GetProperty("id").GetString());
    }
}
