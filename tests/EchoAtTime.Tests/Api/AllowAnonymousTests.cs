namespace EchoAtTime.Tests.Api;

/// <summary><c>Echo:AllowAnonymous=true</c> with no key: the old open default, chosen on purpose and said so.</summary>
public sealed class AllowAnonymousTests
{
    [Fact]
    public async Task The_opt_out_serves_every_client_without_a_key_and_warns_at_start_and_on_readiness()
    {
        await using var silo = await SecuritySilo.StartAsync("anonymous-silo", new Dictionary<string, string>
        {
            ["Echo__AllowAnonymous"] = "true",
        });

        var accepted = await SecuritySilo.SendAsync(
            silo.Remote, HttpMethod.Post, "/echoAtTime", SecuritySilo.InAnHour("open"));
        Assert.True(accepted.Status == 202, accepted.ToString());
        foreach (var path in new[] { "/messages", "/ui/", "/dashboard/" })
        {
            var read = await SecuritySilo.SendAsync(silo.Remote, HttpMethod.Get, path);
            Assert.True(read.Status == 200, $"GET {path}: {read}");
        }

        var ready = await SecuritySilo.SendAsync(
            silo.Remote, HttpMethod.Get, "/health/ready", null, ("Accept", "application/json"));
        Assert.Equal("anonymous", ready.Json().GetProperty("access").GetString());
        var lines = silo.Process.StderrLines().ToList();
        var at = lines.FindIndex(l => l.Contains("Echo:AllowAnonymous=true", StringComparison.Ordinal));
        Assert.True(at > 0 && lines[at - 1].StartsWith("warn:", StringComparison.Ordinal),
            "no warning about Echo:AllowAnonymous:\n" + silo.Process.StderrTail());
    }
}
