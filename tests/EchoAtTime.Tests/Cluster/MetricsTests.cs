using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using EchoAtTime.Api.Hosting;
using EchoAtTime.Api.Http;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Cluster;

[Collection(SlotClusterFixture.Name)]
public sealed class MetricsTests(SlotClusterFixture fixture) : IDisposable
{
    private readonly ConcurrentDictionary<string, double> _totals = new();
    private readonly MeterListener _listener = new();

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public void Dispose() => _listener.Dispose();

    private void Listen()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EchoMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, _, _) => Add(i, value));
        _listener.SetMeasurementEventCallback<double>((i, value, _, _) => Add(i, value));
        _listener.Start();
    }

    // Counters and histograms add up; a gauge keeps its largest observation.
    private void Add(Instrument instrument, double value) =>
        _totals.AddOrUpdate(instrument.Name, value, (_, old) => instrument is ObservableGauge<long> ? Math.Max(old, value) : old + value);

    [Fact]
    public async Task Every_instrument_moves_when_messages_are_scheduled_printed_redelivered_canceled_expired_and_rejected()
    {
        Listen();
        var tag = $"{Guid.NewGuid():N}:";
        var due = NowMs + 1_000;
        var slot = TimeSlot.Of(due);
        var ids = (await fixture.Writer.WriteAsync(
            [new ScheduleRequest(due, tag + "print"), new ScheduleRequest(due, tag + "cancel"), new ScheduleRequest(NowMs + 120_000, tag + "later")]))
            .Select(r => r.Id).ToArray();
        await fixture.Writer.CancelAsync(ids[1]);

        // A batch left in doubt by a "crashed" printer: it prints again, flagged. Append and commit reach
        // the sweep at once: a sweep in between would print it unflagged and fence the commit.
        var past = TimeSlot.Of(NowMs) - 900;
        await fixture.WriteUnsweptAsync([past], async () =>
        {
            await fixture.AppendRawAsync(past, (5, tag + "redelivered"));
            Assert.NotNull(await fixture.Store.CommitAsync(past, 0, SlotCursor.None, 0, SlotCursor.Of(5, 0), 1));

            // Fifteen hours overdue with a deadline of a second: it expires in the batch that redelivers the one
            // before.
            await fixture.Store.AppendAsync(past, [SlotElement.Encode(6, tag + "expired", 1_000)], 6);
        });

        // A request the API refuses.
        await RejectOneAsync();

        await fixture.Sink.WaitForAsync(lines => CapturingSink.Tagged(lines, tag).Count >= 2, TimeSpan.FromSeconds(30));
        await Conditions.WaitForAsync(() =>
        {
            _listener.RecordObservableInstruments();
            return Task.FromResult(_totals.GetValueOrDefault("echo.pending.messages") >= 1 && _totals.GetValueOrDefault("echo.pending.slots") >= 1);
        }, TimeSpan.FromSeconds(30), "the pending gauges never reported the message due in two minutes");

        Assert.True(_totals["echo.messages.scheduled"] >= 3);
        Assert.True(_totals["echo.messages.printed"] >= 2);
        Assert.True(_totals["echo.messages.redelivered"] >= 1);
        Assert.True(_totals["echo.messages.canceled"] >= 1);
        Assert.True(_totals["echo.messages.expired"] >= 1);
        Assert.True(_totals["echo.messages.rejected"] >= 1);
        Assert.True(_totals.ContainsKey("echo.lateness"));
    }

    private static async Task RejectOneAsync()
    {
        var services = new ServiceCollection().AddMetrics().AddSingleton<EchoMetrics>().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("""{"time":"2024-02-30T00:00:00Z","message":"x"}"""));
        var result = await EchoEndpoints.ScheduleOne(
            context.Request, null!, Options.Create(new ApiOptions()), TimeProvider.System, services.GetRequiredService<EchoMetrics>(), NullLoggerFactory.Instance);
        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result.Result).StatusCode);
    }
}
