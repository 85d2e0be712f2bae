using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// One silo with a key in <c>Echo:ApiKey</c> and three more in <c>Echo:ApiKeys</c> (a rotation in
/// progress), and a tight write limit that holds on loopback too. Each test writes with keys of its
/// own, so the limit of one never runs out in another.
/// </summary>
public sealed class KeyedSiloFixture : IAsyncLifetime
{
    public const int Burst = 4;

    /// <summary>[0] in Echo:ApiKey, [1..3] in Echo:ApiKeys; mixed case, so a case-folded key is another key.</summary>
    public string[] Keys { get; } = [.. Enumerable.Range(0, 4).Select(i => $"Key{i}-{Guid.NewGuid():N}")];

    public SecuritySilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await SecuritySilo.StartAsync("keyed-silo", Settings());

    private Dictionary<string, string> Settings() => new()
    {
        ["Echo__ApiKey"] = Keys[0],
        ["Echo__ApiKeys__0"] = Keys[1],
        ["Echo__ApiKeys__1"] = Keys[2],
        ["Echo__ApiKeys__2"] = Keys[3],
        ["Echo__RateLimit__OnLoopback"] = "true",
        ["Echo__RateLimit__PermitsPerSecond"] = "1",
        ["Echo__RateLimit__Burst"] = Burst.ToString(CultureInfo.InvariantCulture),
        ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
        ["Logging__LogLevel__EchoAtTime"] = "Debug",
    };

    public async Task DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }
}

public sealed class ApiKeysTests(KeyedSiloFixture fixture, ITestOutputHelper output) : IClassFixture<KeyedSiloFixture>
{
    private SecuritySilo Silo => fixture.Silo;

    private string[] Keys => fixture.Keys;

    [Fact]
    public async Task Every_key_of_a_rotation_is_accepted_from_any_client_and_a_wrong_one_is_not()
    {
        var fromLoopback = await Post(Silo.Loopback, Keys[0]);
        var fromElsewhere = await Post(Silo.Remote, Keys[1]);
        var third = await Post(Silo.Loopback, Keys[2]);

        Assert.True(fromLoopback.Status == 202, fromLoopback.ToString());
        Assert.True(fromElsewhere.Status == 202, fromElsewhere.ToString());
        Assert.True(third.Status == 202, third.ToString());
        HostileRequestTests.AssertProblem(await Post(Silo.Loopback, Keys[1].ToUpperInvariant()), 401);
        HostileRequestTests.AssertProblem(await Post(Silo.Loopback, null), 401);
    }

    [Fact]
    public async Task With_a_key_set_a_client_elsewhere_gets_the_key_check_instead_of_protected_mode()
    {
        var open = await SecuritySilo.SendAsync(Silo.Remote, HttpMethod.Get, "/messages/1000-0");
        var closed = await SecuritySilo.SendAsync(Silo.Remote, HttpMethod.Get, "/messages");

        HostileRequestTests.AssertProblem(open, 404);
        HostileRequestTests.AssertProblem(closed, 401);
    }

    [Fact]
    public async Task Writes_past_the_limit_answer_429_with_retry_after_per_key_while_other_keys_go_on()
    {
        var answers = new List<ApiResponse>();
        for (var i = 0; i < (KeyedSiloFixture.Burst * 2) + 2; i++)
        {
            answers.Add(await Post(Silo.Loopback, Keys[3]));
        }

        output.WriteLine(string.Join('\n', answers.Select(a => $"{a.Status} Retry-After: {a.Header("Retry-After")}")));
        Assert.True(answers.Take(KeyedSiloFixture.Burst).All(a => a.Status == 202), "the burst was not accepted");
        var limited = answers.FirstOrDefault(a => a.Status == 429);
        Assert.True(limited is not null, "no 429 past the limit");
        HostileRequestTests.AssertProblem(limited, 429);
        var retryAfter = limited.Header("Retry-After");
        Assert.True(int.TryParse(retryAfter, CultureInfo.InvariantCulture, out var seconds) && seconds >= 1,
            $"Retry-After: {retryAfter}");

        // The limit is the key's own: another key still writes, and so does this one after the wait.
        var other = await Post(Silo.Loopback, Keys[2]);
        Assert.True(other.Status == 202, other.ToString());
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var again = await Post(Silo.Loopback, Keys[3]);
        Assert.True(again.Status == 202, again.ToString());
    }

    [Fact]
    public async Task Without_a_valid_key_the_limit_is_per_remote_address()
    {
        var answers = new List<int>();
        for (var i = 0; i < (KeyedSiloFixture.Burst * 2) + 2; i++)
        {
            answers.Add((await Post(Silo.Remote, "not-a-key")).Status);
        }

        Assert.Equal(401, answers[0]);
        Assert.Contains(429, answers);
        var fromLoopback = await Post(Silo.Loopback, "not-a-key");
        Assert.True(fromLoopback.Status == 401, fromLoopback.ToString());
    }

    [Fact]
    public async Task No_key_reaches_the_logs_however_it_was_sent()
    {
        string Basic(string key) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:" + key));
        Task<ApiResponse> Get(HttpClient client, string path, string header, string value) =>
            SecuritySilo.SendAsync(client, HttpMethod.Get, path, null, (header, value));
        foreach (var key in Keys.Take(3))
        {
            await Get(Silo.Loopback, "/ui/", "Authorization", Basic(key));
            await Get(Silo.Loopback, "/dashboard/", "Authorization", Basic(key));
            await Get(Silo.Loopback, "/messages", ApiSiloFixture.KeyHeader, key);
            await Get(Silo.Remote, "/messages", ApiSiloFixture.KeyHeader, key[..^1]);
        }

        var lines = Silo.Process.StderrLines();
        Assert.Contains(lines, l => l.Contains("API keys", StringComparison.Ordinal));
        var leaks = lines.Where(l => Keys.Any(k => l.Contains(k[..^1], StringComparison.Ordinal))).ToList();
        Assert.True(leaks.Count == 0, "a key in the logs:\n" + string.Join('\n', leaks.Take(5)));
    }

    private static Task<ApiResponse> Post(HttpClient client, string? key) => key is null
        ? SecuritySilo.SendAsync(client, HttpMethod.Post, "/echoAtTime", SecuritySilo.InAnHour("keyed"))
        : SecuritySilo.SendAsync(
            client, HttpMethod.Post, "/echoAtTime", SecuritySilo.InAnHour("keyed"), (ApiSiloFixture.KeyHeader, key));
}
