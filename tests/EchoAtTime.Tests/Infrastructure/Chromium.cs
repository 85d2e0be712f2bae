using Microsoft.Playwright;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// Headless Chromium for the browser tests: <c>ECHO_CHROMIUM</c> when set, else Debian's package
/// (<c>apt-get install chromium</c>, what <c>.ci/run</c> installs), else Playwright's own build,
/// downloaded once by <c>playwright install chromium</c> (which needs the internet).
/// </summary>
public static class Chromium
{
    private static readonly string[] SystemPaths = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        var path = Environment.GetEnvironmentVariable("ECHO_CHROMIUM") is { Length: > 0 } configured ? configured : SystemPaths.FirstOrDefault(File.Exists);
        if (path is null && Microsoft.Playwright.Program.Main(["install", "chromium"]) is not 0 and var code)
        {
            throw new InvalidOperationException(
                $"No Chromium for the browser tests: install Debian's (apt-get install chromium), set ECHO_CHROMIUM to one, or let Playwright download its own (playwright install chromium exited {code}).");
        }

        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { Headless = true, ExecutablePath = path });
    }
}
