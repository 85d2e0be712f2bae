using System.Text.Json;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.Api;

/// <summary>One silo with no API key and no opt-out, as <c>dotnet run --project src/Silo</c> starts it.</summary>
public sealed class KeylessSiloFixture : IAsyncLifetime
{
    public SecuritySilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Silo = await SecuritySilo.StartAsync("keyless-silo", new Dictionary<string, string>());

    public async Task DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }
}

/// <summary>The tests on the keyless silo share it, one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class KeylessSiloGroup : ICollectionFixture<KeylessSiloFixture>
{
    public const string Name = "Keyless silo";
}

/// <summary>
/// Protected mode, the way Redis ships: with no API key set, loopback clients keep full access and
/// everyone else gets 403 on every route but the probes.
/// </summary>
[Collection(KeylessSiloGroup.Name)]
public sealed class ProtectedModeTests(KeylessSiloFixture fixture, ITestOutputHelper output)
{
    internal const string Schedule = """{"time":0,"message":"from elsewhere"}""";

    private SecuritySilo Silo => fixture.Silo;

    public static TheoryData<string, string, string?> Routes => new()
    {
        { "POST", "/echoAtTime", Schedule },
        { "POST", "/echoAtTime/batch", $"[{Schedule}]" },
        { "GET", "/messages", null },
        { "GET", "/messages/summary", null },
        { "GET", "/messages/1000-0", null },
        { "DELETE", "/messages/1000-0", null },
        { "PATCH", "/messages/1000-0", """{"time":0}""" },
        { "GET", "/ui/", null },
        { "GET", "/ui/messages.js", null },
        { "GET", "/dashboard/", null },
        { "GET", "/openapi/v1.json", null },
        { "GET", "/no/such/route", null },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_client_that_is_not_on_loopback_gets_403_saying_how_to_open_the_silo(
        string method, string path, string? body)
    {
        var response = await SecuritySilo.SendAsync(Silo.Remote, new HttpMethod(method), path, body);

        output.WriteLine(response.ToString());
        HostileRequestTests.AssertProblem(response, 403);
        var detail = response.Json().GetProperty("detail").GetString()!;
        Assert.Contains("Echo:ApiKey", detail, StringComparison.Ordinal);
        Assert.Contains("Echo:AllowAnonymous", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task The_probes_stay_open_to_every_client(string path)
    {
        var response = await SecuritySilo.SendAsync(Silo.Remote, HttpMethod.Get, path);

        Assert.True(response.Status == 200, response.ToString());
    }

    [Fact]
    public async Task A_loopback_client_keeps_full_access_without_a_key()
    {
        var accepted = await SecuritySilo.SendAsync(
            Silo.Loopback, HttpMethod.Post, "/echoAtTime", SecuritySilo.InAnHour("local"));
        Assert.True(accepted.Status == 202, accepted.ToString());
        var id = accepted.Json().GetProperty("id").GetString()!;

        string[] reads =
            [$"/messages/{id}", "/messages", "/messages/summary", "/ui/", "/dashboard/", "/openapi/v1.json"];
        foreach (var path in reads)
        {
            var read = await SecuritySilo.SendAsync(Silo.Loopback, HttpMethod.Get, path);
            Assert.True(read.Status == 200, $"GET {path}: {read}");
        }

        var canceled = await SecuritySilo.SendAsync(Silo.Loopback, HttpMethod.Delete, $"/messages/{id}");
        Assert.True(canceled.Status == 204, canceled.ToString());
    }

    [Fact]
    public async Task Readiness_json_and_the_start_log_say_that_only_loopback_clients_are_served()
    {
        var ready = await SecuritySilo.SendAsync(
            Silo.Remote, HttpMethod.Get, "/health/ready", null, ("Accept", "application/json"));

        Assert.True(ready.Status == 200, ready.ToString());
        Assert.Equal("application/json", ready.MediaType);
        var json = ready.Json();
        Assert.Equal("Healthy", json.GetProperty("status").GetString());
        Assert.Equal("loopback-only", json.GetProperty("access").GetString());
        Assert.Equal(JsonValueKind.Object, json.GetProperty("checks").ValueKind);

        var plain = await SecuritySilo.SendAsync(Silo.Loopback, HttpMethod.Get, "/health/ready");
        Assert.Equal("Healthy", plain.Text);
        Assert.Contains(Silo.Process.StderrLines(),
            l => l.Contains("only loopback clients are served", StringComparison.Ordinal));
    }
}
