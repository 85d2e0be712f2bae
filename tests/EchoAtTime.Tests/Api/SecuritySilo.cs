using System.Net.Sockets;
using System.Text;
using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// A private store and one silo that listens on loopback and on a Unix socket, with the settings a
/// test gives it. A client on the socket has no IP address, so to the silo it is not a loopback
/// client: that is how these tests reach it "from elsewhere" without a packet leaving this machine.
/// </summary>
public sealed class SecuritySilo : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly RedisServer _redis = new();
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"echo-{Guid.NewGuid():N}"[..17] + ".sock");
    private ServiceProcess? _silo;

    private SecuritySilo()
    {
        Remote = new HttpClient(new SocketsHttpHandler { ConnectCallback = ConnectToSocketAsync })
        {
            BaseAddress = new Uri("http://localhost/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public ServiceProcess Process => _silo ?? throw new InvalidOperationException("Not started.");

    /// <summary>A client on 127.0.0.1.</summary>
    public HttpClient Loopback { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client on the Unix socket: no IP address, so not loopback.</summary>
    public HttpClient Remote { get; }

    /// <summary>A silo with <paramref name="settings"/> (environment variables) over a test deployment's.</summary>
    public static async Task<SecuritySilo> StartAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var silo = new SecuritySilo();
        await Cleanup.StartOrDisposeAsync(
            () => silo.StartSiloAsync(name, settings), async () => await silo.DisposeAsync());
        return silo;
    }

    private async Task StartSiloAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        await _redis.StartAsync();
        var loopback = new Uri($"http://127.0.0.1:{RedisServer.FreePort()}/");
        _silo = ServiceProcess.Start(new ServiceLaunch(name, TestService.SiloDll, loopback)
        {
            Environment = TestService.SiloEnvironment(_redis.ConnectionString, $"{name}-{Guid.NewGuid():N}", settings),
            ExtraArgs = ["--urls", $"{loopback.GetLeftPart(UriPartial.Authority)};http://unix:{_socket}"],
        });
        Loopback.BaseAddress = loopback;
        try
        {
            await _silo.WaitUntilReadyAsync(Loopback, StartTimeout);
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"{name} did not start: {ex.Message}\n{_silo.StderrTail()}", ex);
        }
    }

    /// <summary>A schedule request's body for a message due in an hour: accepted, and not printed in a test.</summary>
    public static string InAnHour(string message) => System.Text.Json.JsonSerializer.Serialize(new
    {
        time = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(),
        message,
    });

    /// <summary>One request: a JSON body when <paramref name="json"/> is given, the headers as they are.</summary>
    public static async Task<ApiResponse> SendAsync(
        HttpClient client,
        HttpMethod method,
        string path,
        string? json = null,
        params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, ApiSiloFixture.Json);
        }

        foreach (var (name, value) in headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var all = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new ApiResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, all, body);
    }

    private async ValueTask<Stream> ConnectToSocketAsync(
        SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socket), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        var silo = _silo;
        _silo = null;
        await Cleanup.RunAllAsync(
            async () =>
            {
                if (silo is not null)
                {
                    try
                    {
                        await silo.StopAsync(TimeSpan.FromSeconds(10));
                    }
                    finally
                    {
                        await silo.DisposeAsync();
                    }
                }
            },
            async () => await _redis.DisposeAsync(),
            () =>
            {
                Loopback.Dispose();
                Remote.Dispose();
                File.Delete(_socket);
                return Task.CompletedTask;
            });
    }
}
