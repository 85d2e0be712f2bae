using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using EchoAtTime.Silo;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.EndToEnd;

/// <summary>
/// The default of <c>dotnet run</c>: a silo with no Redis configured, on its embedded Garnet store,
/// as a real process. Nothing here talks to Redis; the store is the silo's own data directory.
/// </summary>
public sealed class EmbeddedStoreEndToEndTests(ITestOutputHelper output)
{
    private const int Clients = 16;
    private const int Kills = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static Dictionary<string, string> Embedded(string dataDir) => new()
    {
        ["Echo__DataDir"] = dataDir,
        ["Orleans__ClusterId"] = $"embedded-{Guid.NewGuid():N}",
        // The same ports at every restart: the new silo supersedes its dead predecessor at once.
        ["Orleans__SiloPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Orleans__GatewayPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Echo__Output"] = "json",
    };

    /// <summary>
    /// Posts single messages due 1–3 s ahead until <paramref name="stop"/>; a refused or unanswered post is not
    /// accepted.
    /// </summary>
    private static async Task PostUntilAsync(HttpClient http, Func<ServiceProcess> silo, string tag, ConcurrentDictionary<string, string> accepted, CancellationToken stop)
    {
        var random = new Random();
        while (!stop.IsCancellationRequested)
        {
            var message = $"{tag} {Guid.NewGuid():N}";
            try
            {
                using var response = await http.PostAsJsonAsync(new Uri(silo().BaseUrl, "echoAtTime"), new { time = NowMs + random.Next(1_000, 3_000), message }, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None));
                    accepted[message] = body.RootElement.GetProperty("id").GetString()!;
                    continue;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            // The silo is down or starting: back off a little instead of spinning on refused connections.
            await Task.Delay(50, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Every_accepted_message_prints_once_in_order_when_the_embedded_silo_is_killed_three_times_while_16_clients_post()
    {
        var dataDir = Directory.CreateTempSubdirectory("echo-embedded-e2e-").FullName;
        var environment = Embedded(dataDir);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var incarnations = new List<ServiceProcess>();
        try
        {
            var silo = TestService.Start("embedded#0", TestService.SiloDll, environment);
            incarnations.Add(silo);
            await silo.WaitUntilReadyAsync(http, StartTimeout);
            Assert.Contains(silo.StderrLines(), l => l.Contains($"persisting to {dataDir}", StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(dataDir, EmbeddedStore.LockFileName)), "the data directory was not used");

            var tag = $"embedded {Guid.NewGuid():N}";
            var accepted = new ConcurrentDictionary<string, string>();
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, Clients).Select(_ => PostUntilAsync(http, () => Volatile.Read(ref silo), tag, accepted, stop.Token)).ToArray();
            var acceptedBeforeKill = new List<int>();
            for (var kill = 1; kill <= Kills; kill++)
            {
                var before = accepted.Count;
                await Conditions.WaitForAsync(() => Task.FromResult(accepted.Count >= before + 300), TimeSpan.FromSeconds(60), $"clients got no 300 more 202s before kill {kill}");
                acceptedBeforeKill.Add(accepted.Count);
                await silo.KillAsync();
                var next = TestService.Start($"embedded#{kill}", TestService.SiloDll, environment);
                incarnations.Add(next);
                Volatile.Write(ref silo, next);
                await next.WaitUntilReadyAsync(http, StartTimeout);
            }

            var last = accepted.Count;
            await Conditions.WaitForAsync(() => Task.FromResult(accepted.Count >= last + 300), TimeSpan.FromSeconds(60), "clients got no 300 more 202s after the last restart");
            await stop.CancelAsync();
            await Task.WhenAll(clients);

            List<PrintedLine> Printed() => [.. incarnations.SelectMany(p => p.Printed()).Where(l => l.Message.StartsWith(tag, StringComparison.Ordinal))];
            await Conditions.WaitForAsync(
                () => Task.FromResult(Printed().Select(l => l.Message).ToHashSet().IsSupersetOf(accepted.Keys)),
                TimeSpan.FromSeconds(60),
                $"not every accepted message printed\n{silo.StderrTail()}");

            var lines = Printed();
            var killed = incarnations.SkipLast(1).Select(p => p.Name).ToHashSet();
            var report = Invariants.Check(lines, accepted.Values, killed);
            Assert.True(report.Holds && report.FlaggedRepeatsWithoutCrash == 0, report.ToString());
            output.WriteLine($"embedded store: {accepted.Count} accepted by {Clients} clients across {Kills} kill -9s " +
                $"(accepted before each kill: {string.Join(", ", acceptedBeforeKill)}); {lines.Count} lines printed, " +
                $"{lines.Count(l => l.Redelivered)} flagged; every accepted message printed");
        }
        finally
        {
            foreach (var process in incarnations)
            {
                await process.DisposeAsync();
            }

            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_silo_on_a_data_directory_whose_checkpoint_is_corrupt_refuses_to_start_in_one_critical_line_naming_it_with_exit_code_1()
    {
        var dataDir = Directory.CreateTempSubdirectory("echo-embedded-e2e-").FullName;
        try
        {
            using (var store = EmbeddedStore.Start(dataDir, 0, commitWait: true, NullLoggerFactory.Instance))
            {
                await using var redis = await ConnectionMultiplexer.ConnectAsync(store.ConnectionString);
                await redis.GetDatabase().StringSetAsync("before the checkpoint", "kept");
                await redis.GetDatabase().ExecuteAsync("SAVE");
            }

            var info = Assert.Single(Directory.GetFiles(dataDir, "info.dat.0", SearchOption.AllDirectories), f => f.Contains("/cpr-checkpoints/", StringComparison.Ordinal));
            await File.WriteAllBytesAsync(info, [.. (await File.ReadAllBytesAsync(info)).Select(_ => (byte)'X')]);

            await using var silo = TestService.Start("damaged", TestService.SiloDll, Embedded(dataDir));
            await Conditions.WaitForAsync(() => Task.FromResult(silo.HasExited), StartTimeout, "the silo started on a store it could not recover");
            Assert.Equal(1, silo.ExitCode);
            Assert.DoesNotContain(silo.StderrLines(), StartRefusal.IsStackTrace);
            Assert.Single(silo.StderrLines(), l => l.StartsWith("crit:", StringComparison.Ordinal));
            var refusal = silo.StderrLines().SkipWhile(l => !l.StartsWith("crit:", StringComparison.Ordinal)).Skip(1).First();
            Assert.Contains($"Echo:DataDir {dataDir} can't be recovered whole", refusal, StringComparison.Ordinal);
            Assert.Contains("restore it from a backup", refusal, StringComparison.Ordinal);
            Assert.Empty(silo.Printed());
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_second_silo_pointed_at_a_data_directory_in_use_is_refused_with_a_clear_message_and_the_first_keeps_serving_and_never_logs_its_store_password()
    {
        var dataDir = Directory.CreateTempSubdirectory("echo-embedded-e2e-").FullName;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await using var first = TestService.Start("first", TestService.SiloDll, Embedded(dataDir));
            await first.WaitUntilReadyAsync(http, StartTimeout);

            await using var second = TestService.Start("second", TestService.SiloDll, Embedded(dataDir));
            await Conditions.WaitForAsync(() => Task.FromResult(second.HasExited), StartTimeout, "the second silo kept running on a data directory in use");
            Assert.Equal(1, second.ExitCode);
            Assert.DoesNotContain(second.StderrLines(), StartRefusal.IsStackTrace);
            Assert.Contains(second.StderrLines(), l => l.Contains($"Echo:DataDir {dataDir} is in use by another silo", StringComparison.Ordinal));

            // The store's password (48 hex digits, new each start) is in no log line.
            Assert.Contains(first.StderrLines(), l => l.Contains("a new password each start", StringComparison.Ordinal));
            Assert.DoesNotContain(first.StderrLines(), l => Regex.IsMatch(l, "[0-9A-F]{48}"));

            using var ready = await http.GetAsync(new Uri(first.BaseUrl, "health/ready"));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            using var posted = await http.PostAsJsonAsync(new Uri(first.BaseUrl, "echoAtTime"), new { time = NowMs + 500, message = "still serving" });
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
