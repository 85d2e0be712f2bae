using System.Globalization;
using System.Text;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// One private redis-server and ONE real silo process with <c>Echo__ApiKey</c> set, for the HTTP API
/// tests. Requests go through <see cref="SendAsync"/>, which sends the key unless told not to, to
/// <see cref="Target"/>: the silo, or the gateway in front of it (<see cref="ApiGatewayFixture"/>).
/// </summary>
public class ApiSiloFixture : IAsyncLifetime
{
    public const string KeyHeader = "X-Api-Key";
    public const string Json = "application/json";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    public RedisServer Redis { get; } = new();

    /// <summary>The silo's API key: mixed case, so a case-folded key is a different key.</summary>
    public string ApiKey { get; } = $"Key-{Guid.NewGuid():N}";

    public string ClusterId { get; } = $"api-{Guid.NewGuid():N}";

    public ServiceProcess Silo { get; private set; } = null!;

    /// <summary>The gateway in front of the silo, when the fixture has one.</summary>
    public ServiceProcess? Gateway { get; private set; }

    /// <summary>Where requests go: the gateway when there is one, else the silo.</summary>
    public ServiceProcess Target => Gateway ?? Silo;

    /// <summary>Whether a gateway (the same API as an Orleans client) fronts the silo.</summary>
    protected virtual bool FrontedByGateway => false;

    /// <summary>No base address (it could not be set after the readiness probe): see <see cref="Url"/>.</summary>
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Task InitializeAsync() => Cleanup.StartOrDisposeAsync(StartAsync, DisposeAsync);

    private async Task StartAsync()
    {
        await Redis.StartAsync();
        Silo = TestService.Start("api-silo", TestService.SiloDll, new Dictionary<string, string>
        {
            ["Redis__ConnectionString"] = Redis.ConnectionString,
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__SiloPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Echo__ApiKey"] = ApiKey,
        });
        try
        {
            await Silo.WaitUntilReadyAsync(Http, StartTimeout);
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"The silo did not start: {ex.Message}\n{Silo.StderrTail()}", ex);
        }

        if (!FrontedByGateway)
        {
            return;
        }

        // The gateway's Orleans client needs a silo to connect to when it starts.
        Gateway = TestService.Start("api-gateway", TestService.GatewayDll, new Dictionary<string, string>
        {
            ["Redis__ConnectionString"] = Redis.ConnectionString,
            ["Orleans__ClusterId"] = ClusterId,
            ["Echo__ApiKey"] = ApiKey,
        });
        try
        {
            await Gateway.WaitUntilReadyAsync(Http, StartTimeout);
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"The gateway did not start: {ex.Message}\n{Gateway.StderrTail()}", ex);
        }
    }

    /// <summary>
    /// Stops what started, front end first; safe after a failed or partial start and when called twice.
    /// Every step runs whatever the one before did, so a process that would not stop still leaves
    /// redis-server stopped.
    /// </summary>
    public async Task DisposeAsync()
    {
        var (gateway, silo) = (Gateway, Silo);
        (Gateway, Silo) = (null, null!);
        await Cleanup.RunAllAsync(
            () => StopAsync(gateway),
            () => StopAsync(silo),
            async () => await Redis.DisposeAsync(),
            () =>
            {
                Http.Dispose();
                return Task.CompletedTask;
            });
    }

    /// <summary>
    /// Graceful stop (SIGKILL after the timeout), then the process handle released, even if the stop threw.
    /// </summary>
    private static async Task StopAsync(ServiceProcess? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            await process.StopAsync(StopTimeout);
        }
        finally
        {
            await process.DisposeAsync();
        }
    }

    public Uri Url(string pathAndQuery) => new(Target.BaseUrl, pathAndQuery);

    /// <summary>
    /// Sends one request. <paramref name="contentType"/> is sent verbatim (null: no Content-Type);
    /// <paramref name="chunked"/> sends the body with Transfer-Encoding: chunked and no Content-Length.
    /// </summary>
    public async Task<ApiResponse> SendAsync(
        HttpMethod method,
        string path,
        byte[]? body = null,
        string? contentType = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        bool withKey = true,
        bool chunked = false,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, Url(path));
        if (body is not null)
        {
            request.Content = chunked ? new ChunkedContent(body) : new ByteArrayContent(body);
            if (chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }

            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        if (withKey)
        {
            request.Headers.TryAddWithoutValidation(KeyHeader, ApiKey);
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            all[header.Key] = string.Join(", ", header.Value);
        }

        return new ApiResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, all, bytes);
    }

    public Task<ApiResponse> PostJsonAsync(string path, string json, bool withKey = true, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(json), Json,
            headers.Select(h => KeyValuePair.Create(h.Name, h.Value)), withKey);

    public Task<ApiResponse> PatchJsonAsync(string path, string json, bool withKey = true) =>
        SendAsync(HttpMethod.Patch, path, Encoding.UTF8.GetBytes(json), Json, withKey: withKey);

    public Task<ApiResponse> GetAsync(string path, bool withKey = false, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, path, headers: headers.Select(h => KeyValuePair.Create(h.Name, h.Value)), withKey: withKey);

    public Task<ApiResponse> DeleteAsync(string path, bool withKey = true, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Delete, path, headers: headers.Select(h => KeyValuePair.Create(h.Name, h.Value)), withKey: withKey);

    /// <summary>A body whose length is not known up front, so HttpClient sends it chunked.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        private const int ChunkSize = 64 * 1024;

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var offset = 0; offset < body.Length; offset += ChunkSize)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(ChunkSize, body.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}

/// <summary>Tests that share one <see cref="ApiSiloFixture"/>; they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ApiSiloGroup : ICollectionFixture<ApiSiloFixture>
{
    public const string Name = "API silo";
}

/// <summary>The same silo with the gateway in front: the API tests' rows run through the gateway too.</summary>
public sealed class ApiGatewayFixture : ApiSiloFixture
{
    protected override bool FrontedByGateway => true;
}

[CollectionDefinition(Name)]
public sealed class ApiGatewayGroup : ICollectionFixture<ApiGatewayFixture>
{
    public const string Name = "API gateway";
}

/// <summary>What came back: status, media type, headers (response and content) and the body bytes.</summary>
public sealed record ApiResponse(int Status, string? MediaType, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public const string ProblemJson = "application/problem+json";
    public const string NotJsonTitle = "The body is not valid JSON.";

    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body as JSON (a clone, independent of any document).</summary>
    public System.Text.Json.JsonElement Json()
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"The body is not JSON ({ex.Message}): {this}");
        }
    }

    /// <summary>The keys of a validation problem's <c>errors</c>, or null when it has none.</summary>
    public IReadOnlyList<string>? ErrorKeys()
    {
        var json = Json();
        return json.ValueKind == System.Text.Json.JsonValueKind.Object
               && json.TryGetProperty("errors", out var errors)
               && errors.ValueKind == System.Text.Json.JsonValueKind.Object
            ? errors.EnumerateObject().Select(p => p.Name).ToList()
            : null;
    }

    public override string ToString()
    {
        var text = Text;
        return $"{Status} {MediaType ?? "(no content type)"} {(text.Length > 600 ? text[..600] + "…" : text)}";
    }
}
