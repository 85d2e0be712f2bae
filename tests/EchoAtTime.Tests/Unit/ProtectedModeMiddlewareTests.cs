using System.Net;
using System.Text.Json;
using EchoAtTime.Api.Hosting;
using EchoAtTime.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// Protected mode's decision on a request whose remote address is set by hand: the addresses the
/// end-to-end tests cannot reach from this machine (another host's IPv4 and IPv6, the loopback range,
/// an IPv4-mapped loopback address), through the middleware as the hosts run it.
/// </summary>
public sealed class ProtectedModeMiddlewareTests
{
    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("10.0.0.9")]
    [InlineData("2001:db8::7")]
    [InlineData("::ffff:203.0.113.7")]
    [InlineData(null)]
    public async Task A_client_elsewhere_gets_403_on_every_route_but_the_health_checks(string? address)
    {
        foreach (var (method, path) in Routes)
        {
            var (status, body) = await RunAsync(new ApiOptions(), address, method, path);

            Assert.True(status == 403, $"{method} {path} from {address ?? "no address"}: {status}");
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(ProtectedMode.Title, problem.RootElement.GetProperty("title").GetString());
            Assert.Equal(ProtectedMode.Detail, problem.RootElement.GetProperty("detail").GetString());
        }

        foreach (var path in new[] { "/health", "/health/live", "/health/ready" })
        {
            Assert.Equal(200, (await RunAsync(new ApiOptions(), address, "GET", path)).Status);
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task A_loopback_client_passes_on_every_route(string address)
    {
        foreach (var (method, path) in Routes)
        {
            Assert.Equal(200, (await RunAsync(new ApiOptions(), address, method, path)).Status);
        }
    }

    [Fact]
    public async Task A_key_or_the_opt_out_turns_protected_mode_off()
    {
        var keyed = new ApiOptions { ApiKey = "k" };
        var open = new ApiOptions { AllowAnonymous = true };

        Assert.Equal(200, (await RunAsync(keyed, "203.0.113.7", "POST", "/echoAtTime")).Status);
        Assert.Equal(200, (await RunAsync(open, "203.0.113.7", "POST", "/echoAtTime")).Status);
    }

    private static readonly (string Method, string Path)[] Routes =
    [
        ("POST", "/echoAtTime"), ("POST", "/echoAtTime/batch"), ("GET", "/messages"), ("GET", "/messages/summary"),
        ("GET", "/messages/1-0"), ("DELETE", "/messages/1-0"), ("PATCH", "/messages/1-0"), ("GET", "/ui/"),
        ("GET", "/dashboard/"), ("GET", "/openapi/v1.json"), ("GET", "/healthz"), ("GET", "/"),
    ];

    /// <summary>The request through <c>UseProtectedMode</c> in front of an endpoint that answers 200.</summary>
    private static async Task<(int Status, string Body)> RunAsync(
        ApiOptions options, string? address, string method, string path)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(Options.Create(options))
            .AddSingleton<ApiKeyRing>()
            .AddSingleton<AccessPolicy>()
            .BuildServiceProvider();
        var app = new ApplicationBuilder(services);
        app.UseProtectedMode();
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        });

        using var body = new MemoryStream();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        context.Request.Path = path;
        context.Connection.RemoteIpAddress = address is null ? null : IPAddress.Parse(address);
        context.Response.Body = body;
        await app.Build()(context);
        return (context.Response.StatusCode, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }
}
