using System.Diagnostics;
using System.Text;
using EchoAtTime.Grains;
using EchoAtTime.Grains.Output;
using EchoAtTime.Silo;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// The bound around the console: a console that blocks or fails is given up within the timeout,
/// its batch and the ones queued behind it fault, nothing queued is ever written afterwards, and
/// the console's health says so.
/// </summary>
public sealed class BoundedEchoSinkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static EchoLine[] Batch(string tag, int count) =>
        Enumerable.Range(0, count).Select(i => new EchoLine(new MessageId(1795428000000 + i, i), $"{tag}{i}", 1795428000000 + i, false)).ToArray();

    [Fact]
    public async Task A_healthy_console_gets_every_batch_in_order_and_each_write_completes_once_it_is_written()
    {
        var console = new CapturingSink();
        var health = new ConsoleHealth();
        using var sink = new BoundedEchoSink(console, health, Timeout, "test-console");

        var writes = Enumerable.Range(0, 50).Select(b => sink.WriteAsync(Batch($"b{b:D2}-", 3)).AsTask()).ToArray();
        await Task.WhenAll(writes).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 50).SelectMany(b => Enumerable.Range(0, 3).Select(i => $"b{b:D2}-{i}")), console.Lines.Select(l => l.Message));
        Assert.True(health.IsHealthy);
        Assert.Null(health.Problem);
    }

    [Fact]
    public async Task A_console_that_blocks_is_given_up_after_the_timeout_and_nothing_queued_behind_it_is_ever_written()
    {
        var console = new CapturingSink();
        var health = new ConsoleHealth();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = console.HoldNextWrite("stuck", release.Task);
        using var sink = new BoundedEchoSink(console, health, Timeout, "test-console");
        try
        {
            var clock = Stopwatch.StartNew();
            var stuck = sink.WriteAsync(Batch("stuck", 4)).AsTask();
            await held.WaitAsync(Bound);
            var queued = sink.WriteAsync(Batch("queued", 2)).AsTask();

            var given = await Assert.ThrowsAsync<ConsoleStalledException>(() => stuck.WaitAsync(Bound));
            var after = clock.Elapsed;
            await Assert.ThrowsAsync<ConsoleStalledException>(() => queued.WaitAsync(Bound));
            Assert.InRange(after, Timeout, Bound);
            Assert.Contains("has not accepted a batch of 4 lines", given.Message, StringComparison.Ordinal);
            Assert.False(health.IsHealthy);
            Assert.True(health.Failure.IsCompleted);

            // Given up for good: a later batch faults at once and never reaches the console.
            Assert.True(sink.WriteAsync(Batch("later", 1)).AsTask().IsFaulted);

            // The stuck write may still complete (the pipe was read after all): that batch reaches the
            // console late, the allowed unflagged repeat; what was queued behind it never does.
            release.SetResult();
            await console.WaitForAsync(lines => lines.Any(l => l.Message.StartsWith("stuck", StringComparison.Ordinal)), Bound);
            Assert.Equal(["stuck0", "stuck1", "stuck2", "stuck3"], console.Lines.Select(l => l.Message));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task A_console_that_fails_is_given_up_and_never_written_to_again()
    {
        var console = new CapturingSink();
        var health = new ConsoleHealth();
        console.FailWrites("broken", times: 1);
        using var sink = new BoundedEchoSink(console, health, Timeout, "test-console");

        var failed = await Assert.ThrowsAsync<ConsoleStalledException>(() => sink.WriteAsync(Batch("broken", 4)).AsTask().WaitAsync(Bound));

        Assert.IsType<IOException>(failed.InnerException);
        Assert.False(health.IsHealthy);
        Assert.Contains("failed to write", health.Problem, StringComparison.Ordinal);
        Assert.True(sink.WriteAsync(Batch("after", 1)).AsTask().IsFaulted);
        Assert.Equal(["broken0", "broken1"], console.Lines.Select(l => l.Message)); // the half written before the failure
    }

    [Fact]
    public async Task The_health_check_reports_the_console_given_up_and_the_first_problem_stays()
    {
        var health = new ConsoleHealth();
        var check = new ConsoleHealthCheck(health);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        Assert.True(health.ReportFailure("first"));
        Assert.False(health.ReportFailure("second"));

        var result = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("first", result.Description, StringComparison.Ordinal);
        Assert.Equal("first", await health.Failure);
    }

    [Theory]
    [InlineData(EchoOutputFormat.Text)]
    [InlineData(EchoOutputFormat.Json)]
    public void The_stream_console_writes_the_console_format_unchanged_one_line_per_message(EchoOutputFormat format)
    {
        var lines = new[]
        {
            new EchoLine(new MessageId(1795428000000, 0), "Hello future!", 1795428000001, false),
            new EchoLine(new MessageId(1795428000005, 1), "evil\n\u001b[2J", 1795428000006, true),
        };
        using var stdout = new MemoryStream();
        using var console = new StreamEchoConsole(stdout, format);

        console.Write(lines);
        console.Write(lines[..1]);

        var expected = lines.Append(lines[0]).Select(l => format == EchoOutputFormat.Text ? EchoLineFormatter.Text(l) : EchoLineFormatter.Json(l));
        Assert.Equal(string.Concat(expected), Encoding.UTF8.GetString(stdout.ToArray()));
    }
}
