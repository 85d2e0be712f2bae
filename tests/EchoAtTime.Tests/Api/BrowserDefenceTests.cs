namespace EchoAtTime.Tests.Api;

/// <summary>
/// What a hostile web page in a developer's browser could do with a silo on loopback: frame the
/// messages page and lure clicks onto it, or rebind a DNS name of its own to 127.0.0.1.
/// </summary>
[Collection(KeylessSiloGroup.Name)]
public sealed class BrowserDefenceTests(KeylessSiloFixture fixture)
{
    private SecuritySilo Silo => fixture.Silo;

    [Fact]
    public async Task The_messages_page_cannot_be_framed_or_sniffed_and_sends_a_content_security_policy()
    {
        foreach (var path in new[] { "/ui/", "/ui/messages.js", "/ui/messages.css" })
        {
            var response = await SecuritySilo.SendAsync(Silo.Loopback, HttpMethod.Get, path);

            Assert.True(response.Status == 200, $"{path}: {response}");
            Assert.Equal("DENY", response.Header("X-Frame-Options"));
            Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
            var policy = response.Header("Content-Security-Policy") ?? "(none)";
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/dashboard/")]
    [InlineData("/messages")]
    [InlineData("/no/such/route")]
    public async Task Every_other_answer_cannot_be_framed_either(string path)
    {
        var response = await SecuritySilo.SendAsync(Silo.Loopback, HttpMethod.Get, path);

        Assert.Equal("DENY", response.Header("X-Frame-Options"));
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
        Assert.Equal("frame-ancestors 'none'", response.Header("Content-Security-Policy"));
    }

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/ui/")]
    [InlineData("/echoAtTime")]
    public async Task A_request_naming_a_foreign_host_is_refused_so_a_rebound_dns_name_reaches_nothing(string path)
    {
        var post = path == "/echoAtTime";
        var response = await SecuritySilo.SendAsync(Silo.Loopback, post ? HttpMethod.Post : HttpMethod.Get, path,
            post ? ProtectedModeTests.Schedule : null, ("Host", "rebound.example:5000"));

        Assert.True(response.Status == 400, response.ToString());
        Assert.DoesNotContain(Silo.Process.StdoutLines(), l => l.Contains("from elsewhere", StringComparison.Ordinal));
        foreach (var host in new[] { "localhost", "127.0.0.1", "[::1]" })
        {
            var named = await SecuritySilo.SendAsync(
                Silo.Loopback, HttpMethod.Get, "/health/ready", null, ("Host", $"{host}:5000"));
            Assert.True(named.Status == 200, $"Host {host}: {named}");
        }
    }
}
