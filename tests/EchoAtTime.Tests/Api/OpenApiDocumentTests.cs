using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// The served <c>/openapi/v1.json</c> as a user's tooling reads it: the key's scheme and where it
/// applies (so generated clients send it), a real schema for <c>time</c>, and Redocly CLI's
/// recommended rules with no error.
/// </summary>
[Collection(ApiSiloGroup.Name)]
public sealed class OpenApiDocumentTests(ApiSiloFixture api, ITestOutputHelper output)
{
    /// <summary>Pinned: a new release may add rules (and the next ones need a newer Node.js than 20).</summary>
    private const string Redocly = "@redocly/cli@2.77.0";

    private static readonly TimeSpan LintTimeout = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData("/echoAtTime", "post", true)]
    [InlineData("/echoAtTime/batch", "post", true)]
    [InlineData("/messages", "get", true)]
    [InlineData("/messages/summary", "get", true)]
    [InlineData("/messages/{id}", "get", false)]
    [InlineData("/messages/{id}", "delete", true)]
    [InlineData("/messages/{id}", "patch", true)]
    public async Task Every_operation_names_the_api_key_scheme_and_those_behind_the_key_require_it(
        string path, string method, bool behindKey)
    {
        var json = await DocumentAsync();

        var scheme = json.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal(ApiSiloFixture.KeyHeader, scheme.GetProperty("name").GetString());
        var security = json.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("security")
            .EnumerateArray().Select(r => string.Join('+', r.EnumerateObject().Select(p => p.Name))).ToList();
        Assert.Equal(behindKey ? ["ApiKey"] : ["", "ApiKey"], security);
    }

    [Theory]
    [InlineData("/echoAtTime", "post", "202,400,401,403,409,413,415,429,503")]
    [InlineData("/echoAtTime/batch", "post", "202,207,400,401,403,409,413,415,429,503")]
    [InlineData("/messages/{id}", "get", "200,403,404,503")]
    [InlineData("/messages", "get", "200,400,401,403,503")]
    [InlineData("/messages/summary", "get", "200,400,401,403,503")]
    [InlineData("/messages/{id}", "delete", "204,401,403,404,409,429,503")]
    [InlineData("/messages/{id}", "patch", "200,400,401,403,404,409,413,415,429,503")]
    public async Task Every_answer_of_protected_mode_and_the_write_limit_is_listed(
        string path, string method, string statuses)
    {
        var json = await DocumentAsync();

        var listed = json.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses")
            .EnumerateObject().Select(r => r.Name).Order().ToList();
        Assert.Equal(statuses.Split(','), listed);
    }

    [Theory]
    [InlineData("EchoRequest")]
    [InlineData("MessageMoveRequest")]
    public async Task Time_is_a_date_time_string_or_epoch_milliseconds_as_a_number_or_digits(string schema)
    {
        var json = await DocumentAsync();

        var time = json.GetProperty("components").GetProperty("schemas").GetProperty(schema)
            .GetProperty("properties").GetProperty("time");
        string Kind(JsonElement s) => s.GetProperty("type").GetString() + ":"
            + (s.TryGetProperty("format", out var format) ? format : s.GetProperty("pattern")).GetString();
        var kinds = time.GetProperty("oneOf").EnumerateArray().Select(Kind).ToList();
        Assert.Equal(["string:date-time", "integer:int64", "string:^-?[0-9]{1,19}$"], kinds);
    }

    [Fact]
    public async Task The_document_has_a_license_described_tags_and_server_urls_without_a_trailing_slash()
    {
        var json = await DocumentAsync();

        var license = json.GetProperty("info").GetProperty("license");
        Assert.False(string.IsNullOrWhiteSpace(license.GetProperty("name").GetString()));
        Assert.All(json.GetProperty("tags").EnumerateArray(), tag =>
        {
            var described = tag.TryGetProperty("description", out var d) ? d.GetString() : null;
            Assert.False(string.IsNullOrWhiteSpace(described), tag.ToString());
        });
        var servers = json.GetProperty("servers").EnumerateArray()
            .Select(s => s.GetProperty("url").GetString()!).ToList();
        Assert.NotEmpty(servers);
        Assert.All(servers, url => Assert.False(url.EndsWith('/'), url));
    }

    [Fact]
    public async Task Redocly_lint_with_its_recommended_rules_finds_no_error_in_the_served_document()
    {
        var response = await api.GetAsync("/openapi/v1.json");
        Assert.True(response.Status == 200, response.ToString());
        var dir = Directory.CreateTempSubdirectory("echo-openapi-");
        try
        {
            var file = Path.Combine(dir.FullName, "openapi.json");
            await File.WriteAllBytesAsync(file, response.Body);
            var report = await LintAsync(file, dir.FullName);

            var totals = report.GetProperty("totals");
            var problems = report.GetProperty("problems").EnumerateArray()
                .Select(p => $"{p.GetProperty("severity")} {p.GetProperty("ruleId")}: {p.GetProperty("message")}")
                .ToList();
            output.WriteLine($"redocly lint: {totals}\n{string.Join('\n', problems)}");
            Assert.True(totals.GetProperty("errors").GetInt32() == 0, string.Join('\n', problems));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private async Task<JsonElement> DocumentAsync()
    {
        var response = await api.GetAsync("/openapi/v1.json");
        Assert.True(response.Status == 200, response.ToString());
        return response.Json();
    }

    /// <summary><c>npx redocly lint --format=json</c>: npx installs the pinned CLI on first use.</summary>
    private static async Task<JsonElement> LintAsync(string file, string workDir)
    {
        var info = new ProcessStartInfo("npx")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--yes", Redocly, "lint", file, "--format=json"])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["REDOCLY_TELEMETRY"] = "off";
        info.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = StartOrExplain(info);
        using var timeout = new CancellationTokenSource(LintTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"npx {Redocly} lint did not finish within {LintTimeout}.");
        }

        var text = await stdout;
        var start = text.IndexOf('{', StringComparison.Ordinal);
        Assert.True(start >= 0,
            $"npx {Redocly} lint printed no report (exit {process.ExitCode}):\n{text}\n{await stderr}");
        using var document = JsonDocument.Parse(text[start..]);
        return document.RootElement.Clone();
    }

    private static Process StartOrExplain(ProcessStartInfo info)
    {
        try
        {
            return Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                "This test runs Redocly CLI with npx: install Node.js and npm (apt-get install npm).", ex);
        }
    }
}
