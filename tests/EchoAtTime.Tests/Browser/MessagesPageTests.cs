using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace EchoAtTime.Tests.Browser;

/// <summary>
/// The messages page (<c>/ui/</c>) in headless Chromium driven by Playwright, on a silo of its own
/// with an API key: the browser is asked for the key (HTTP Basic) and the page's calls carry it; the
/// page lists the next messages and the schedules, finds a message by id, and its cancel and reschedule
/// buttons, and a schedule's pause, resume and delete, act on the store. A screenshot of the rendered page is kept
/// (its path is printed) and checked to be one.
/// </summary>
public sealed class MessagesPageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PrintTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_page_lists_messages_and_schedules_finds_a_message_by_id_and_its_buttons_act_on_the_store()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        var key = $"Key-{Guid.NewGuid():N}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        await using var silo = TestService.Start("ui-silo", TestService.SiloDll,
            TestService.SiloEnvironment(redis.ConnectionString, $"ui-{Guid.NewGuid():N}", new Dictionary<string, string> { ["Echo__ApiKey"] = key }));
        await silo.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(30));

        // One message printed now (a receipt for the lateness histogram), three due in ten minutes. The list
        // shows pending minutes only, and a minute all printed closes once it ends: the printed message must
        // be due early enough in its minute that the page is checked before the minute closes, however slow
        // this machine is today.
        await Conditions.WaitForAsync(() => Task.FromResult(DateTimeOffset.UtcNow.Second < 30), TimeSpan.FromSeconds(60), "a minute did not begin");
        var printed = await ScheduleAsync(http, silo, 0, "printed right away");
        var due = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds();
        string[] texts = ["water the plants", "call the bank", "renew the certificate"];
        var ids = new List<string>();
        foreach (var (text, i) in texts.Select((t, i) => (t, i)))
        {
            ids.Add(await ScheduleAsync(http, silo, due + (i * 1_000), text));
        }

        await Conditions.WaitForAsync(async () => (await StatusAsync(http, silo, printed)).GetProperty("status").GetString() == "printed", PrintTimeout, "the first message did not print");

        // Each expectation polls until it holds; a loaded 2-core CI box gets longer than the default 5 s.
        SetDefaultExpectTimeout(15_000);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = "operator", Password = key },
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);

        var opened = await page.GotoAsync(new Uri(silo.BaseUrl, "ui/").ToString());
        Assert.Equal(200, opened!.Status);
        await Expect(page.Locator("body[data-loaded=true]")).ToBeAttachedAsync();

        // The list: every message with its text and status, in due order; the minute ahead with its three.
        for (var i = 0; i < ids.Count; i++)
        {
            var row = Row(page, ids[i]);
            await Expect(row).ToContainTextAsync(texts[i]);
            await Expect(row.Locator("td.status-scheduled")).ToHaveTextAsync("scheduled");
        }

        await Expect(Row(page, printed).Locator("td.status-printed")).ToHaveTextAsync("printed");
        var order = await page.Locator("#next tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)");
        Assert.Equal(ids.Prepend(printed), order);
        await Expect(page.Locator("#ahead tbody tr").Filter(new LocatorFilterOptions { HasText = EchoTime.Format(TimeSlot.StartMs(TimeSlot.Of(due))) })).ToContainTextAsync("3");
        await Expect(page.Locator("#past tbody tr").First).ToContainTextAsync("1");
        Assert.Equal(1, await page.Locator("#lateness tbody tr").EvaluateAllAsync<int>("rows => rows.reduce((n, r) => n + Number(r.cells[1].textContent), 0)"));

        var shot = Path.Combine(Path.GetTempPath(), $"echo-ui-{Guid.NewGuid():N}", "messages-page.png");
        var png = await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        output.WriteLine($"screenshot: {shot} ({png.Length} bytes)");
        AssertIsScreenshot(png, width: 1280);

        // Search by id.
        await page.FillAsync("#find-id", ids[0]);
        await page.ClickAsync("#find button[type=submit]");
        await Expect(page.Locator("#found pre")).ToContainTextAsync($"\"id\": \"{ids[0]}\"");

        // Cancel takes two steps, so a click lured onto the button cancels nothing: the page asks, and
        // a "no" leaves the message scheduled; a "yes" turns the row canceled, and the store's answer.
        var newDue = due + 3_600_000;
        var confirm = true;
        var asked = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            asked.Add($"{dialog.Type}: {dialog.Message}");
            if (dialog.Type == "confirm" && !confirm)
            {
                await dialog.DismissAsync();
                return;
            }

            await dialog.AcceptAsync(newDue.ToString(CultureInfo.InvariantCulture));
        };
        var cancel = Row(page, ids[1]).GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Cancel" });
        confirm = false;
        await cancel.ClickAsync();
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
        Assert.Equal("scheduled", (await StatusAsync(http, silo, ids[1])).GetProperty("status").GetString());
        Assert.Contains(asked,
            a => a.StartsWith("confirm", StringComparison.Ordinal) && a.Contains(ids[1], StringComparison.Ordinal));
        confirm = true;
        await cancel.ClickAsync();
        await Expect(Row(page, ids[1]).Locator("td.status-canceled")).ToHaveTextAsync("canceled");
        Assert.Equal("canceled", (await StatusAsync(http, silo, ids[1])).GetProperty("status").GetString());

        // Reschedule: the page asks for the new time; the old row turns moved, the new message appears.
        await Row(page, ids[2]).GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Reschedule" }).ClickAsync();
        await Expect(Row(page, ids[2]).Locator("td.status-moved")).ToHaveTextAsync("moved");
        var moved = await StatusAsync(http, silo, ids[2]);
        var newId = moved.GetProperty("movedTo").GetString()!;
        await Expect(Row(page, newId)).ToContainTextAsync(texts[2]);
        Assert.Equal(newDue, MessageId.TryParse(newId, out var parsed) ? parsed.DueMs : 0);

        await AssertTheSchedulesActAsync(page, http, silo, c => confirm = c);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.ChangeExtension(shot, ".after.png"), FullPage = true });
        Assert.Empty(errors);
        Assert.DoesNotContain(silo.StdoutLines(), l => texts.Any(t => l.Contains(t, StringComparison.Ordinal)));

        await AssertAHiddenPagePollsNothingAsync(browser, key, silo);
    }

    /// <summary>
    /// The schedules' rows: cron, zone, next and last as the API answers; Pause and Resume flip the state in the
    /// store; Delete asks first, and a "no" keeps the schedule. Made after the messages' checks: the every-second one
    /// adds a message a second to the list.
    /// </summary>
    private static async Task AssertTheSchedulesActAsync(IPage page, HttpClient http, ServiceProcess silo, Action<bool> answerConfirm)
    {
        var standUp = await CreateScheduleAsync(http, silo, "0 9 * * MON-FRI", "Europe/Berlin", "stand-up");
        var heartbeat = await CreateScheduleAsync(http, silo, "* * * * * *", "UTC", "heartbeat");
        await Conditions.WaitForAsync(async () => (await ScheduleAsync(http, silo, heartbeat)).GetProperty("last").ValueKind == JsonValueKind.Object, PrintTimeout, "the every-second schedule did not print");
        await page.ClickAsync("#refresh");

        var row = ScheduleRow(page, standUp);
        await Expect(row.Locator("td.cron")).ToHaveTextAsync("0 9 * * MON-FRI");
        await Expect(row).ToContainTextAsync("Europe/Berlin");
        await Expect(row).ToContainTextAsync((await ScheduleAsync(http, silo, standUp)).GetProperty("next").GetString()!);
        await Expect(row.Locator("td.status-active")).ToHaveTextAsync("active");
        await Expect(ScheduleRow(page, heartbeat)).ToContainTextAsync("heartbeat");
        await Expect(ScheduleRow(page, heartbeat).Locator("td").Nth(4)).Not.ToHaveTextAsync("—");

        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Pause" }).ClickAsync();
        await Expect(row.Locator("td.status-paused")).ToHaveTextAsync("paused");
        Assert.True((await ScheduleAsync(http, silo, standUp)).GetProperty("paused").GetBoolean());
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Resume" }).ClickAsync();
        await Expect(row.Locator("td.status-active")).ToHaveTextAsync("active");
        Assert.False((await ScheduleAsync(http, silo, standUp)).GetProperty("paused").GetBoolean());

        var delete = ScheduleRow(page, heartbeat).GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Delete" });
        answerConfirm(false);
        await delete.ClickAsync();
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
        using (var kept = await http.GetAsync(new Uri(silo.BaseUrl, $"schedules/{heartbeat}")))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, kept.StatusCode);
        }

        answerConfirm(true);
        await delete.ClickAsync();
        await Expect(ScheduleRow(page, heartbeat)).ToHaveCountAsync(0);
        using var gone = await http.GetAsync(new Uri(silo.BaseUrl, $"schedules/{heartbeat}"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        await Expect(ScheduleRow(page, standUp)).ToHaveCountAsync(1);
    }

    /// <summary>
    /// A page nobody sees polls nothing: its 5 s refresh skips the store while hidden and runs as soon as it is shown.
    /// The page's clock is Playwright's (time moved on by the test), and its listing calls are counted in the page.
    /// </summary>
    private static async Task AssertAHiddenPagePollsNothingAsync(IBrowser browser, string key, ServiceProcess silo)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = "operator", Password = key },
        });
        await context.Clock.InstallAsync();
        await context.AddInitScriptAsync("""
            window.__hidden = false;
            window.__listings = 0;
            Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__hidden });
            const fetchOf = window.fetch.bind(window);
            window.fetch = (input, init) => {
              if (String(input).startsWith('/messages?')) window.__listings++;
              return fetchOf(input, init);
            };
            """);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(silo.BaseUrl, "ui/").ToString());
        await Expect(page.Locator("body[data-loaded=true]")).ToBeAttachedAsync();
        Task<int> Listings() => page.EvaluateAsync<int>("window.__listings");

        // Shown: each 5 s turn lists again.
        var loaded = await Listings();
        await page.Clock.RunForAsync(5_000);
        await Conditions.WaitForAsync(async () => await Listings() > loaded, TimeSpan.FromSeconds(15), "a shown page did not poll");

        // Hidden: a minute of turns, no listing.
        await page.EvaluateAsync("window.__hidden = true");
        var hidden = await Listings();
        await page.Clock.RunForAsync(60_000);
        Assert.Equal(hidden, await Listings());

        // Shown again: at once, without waiting for a turn.
        await page.EvaluateAsync("window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))");
        await Conditions.WaitForAsync(async () => await Listings() > hidden, TimeSpan.FromSeconds(15), "a page shown again did not refresh");
    }

    private static ILocator Row(IPage page, string id) => page.Locator($"#next tbody tr[data-id='{id}']");

    private static ILocator ScheduleRow(IPage page, string id) => page.Locator($"#schedules tbody tr[data-id='{id}']");

    /// <summary>
    /// A PNG (signature, IHDR) of the viewport's width and some height, with more than a blank page's bytes.
    /// </summary>
    private static void AssertIsScreenshot(byte[] png, int width)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.True(BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)) >= 400, "the page is shorter than its sections");
        Assert.True(png.Length > 20_000, $"a screenshot of {png.Length} bytes is a blank page, not the list");
    }

    private static async Task<string> ScheduleAsync(HttpClient http, ServiceProcess silo, long dueMs, string message)
    {
        using var response = await http.PostAsJsonAsync(new Uri(silo.BaseUrl, "echoAtTime"), new { time = dueMs, message });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<string> CreateScheduleAsync(HttpClient http, ServiceProcess silo, string cron, string timeZone, string message)
    {
        using var response = await http.PostAsJsonAsync(new Uri(silo.BaseUrl, "schedules"), new { cron, timeZone, message });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> ScheduleAsync(HttpClient http, ServiceProcess silo, string id) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(silo.BaseUrl, $"schedules/{id}"))).RootElement.Clone();

    private static async Task<JsonElement> StatusAsync(HttpClient http, ServiceProcess silo, string id) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(silo.BaseUrl, $"messages/{id}"))).RootElement.Clone();
}
