using System.Text;
using BenchmarkDotNet.Attributes;
using EchoAtTime.Api.Accept;
using EchoAtTime.Api.Hosting;
using EchoAtTime.Api.Http;
using EchoAtTime.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EchoAtTime.AcceptBench;

/// <summary>
/// What one <c>202</c> costs the process that accepts it, HTTP server and Redis aside: the handler of
/// <c>POST /echoAtTime</c> (body read and parsed, validated, an id given) and of its batch form, the writer and the
/// store's group commit, down to the script call (<see cref="FakeRedis"/>). Messages are due an hour ahead, spread over
/// its minutes as the bench's single-request load is, so no printer is notified.
/// </summary>
[MemoryDiagnoser]
public class AcceptPathBenchmarks
{
    private const int BatchSize = 1_000;

    private readonly IOptions<ApiOptions> _limits = Options.Create(new ApiOptions());
    private EchoMetrics _metrics = null!;
    private MessageWriter _writer = null!;
    private SlotStore _store = null!;
    private ScheduleRequest[] _requests = null!;
    private HttpRequest[] _pooled = null!;
    private byte[][] _singles = null!;
    private byte[] _batch = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var (redis, _) = FakeRedis.Create();
        var options = Options.Create(new EchoOptions());
        _metrics = new ServiceCollection().AddMetrics().AddSingleton<EchoMetrics>().BuildServiceProvider().GetRequiredService<EchoMetrics>();
        _store = new SlotStore(redis, options);
        _writer = new MessageWriter(_store, NoGrains.Instance, _metrics, options, TimeProvider.System);
        var hourAhead = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        _requests = [.. Enumerable.Range(0, 3_600).Select(i => new ScheduleRequest(hourAhead + (i * 1_000), $"reminder number {i}"))];
        _singles = [.. Enumerable.Range(0, 3_600).Select(i => Body(hourAhead + (i * 1_000), i))];
        _pooled = [.. _singles.Select(Request)];
        _batch = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, BatchSize).Select(i => Item(hourAhead + (i * 3_600), i))) + "]");
    }

    [Benchmark(Description = "POST /echoAtTime, one message")]
    public async Task<int> ScheduleOne()
    {
        var result = await EchoEndpoints.ScheduleOne(Request(_singles[_next++ % _singles.Length]), _writer, _limits, TimeProvider.System, _metrics, NullLoggerFactory.Instance);
        return result.Result is Accepted<EchoAccepted> ? 202 : throw new InvalidOperationException($"Not accepted: {result.Result}");
    }

    /// <summary>
    /// As <see cref="ScheduleOne"/>, the request's context made once and used again as Kestrel does (it pools them per
    /// connection): what the product allocates, without the benchmark's own <c>DefaultHttpContext</c> and body stream.
    /// </summary>
    [Benchmark(Description = "POST /echoAtTime, one message, pooled context")]
    public async Task<int> ScheduleOnePooled()
    {
        var request = _pooled[_next++ % _pooled.Length];
        request.Body.Position = 0;
        var result = await EchoEndpoints.ScheduleOne(request, _writer, _limits, TimeProvider.System, _metrics, NullLoggerFactory.Instance);
        return result.Result is Accepted<EchoAccepted> ? 202 : throw new InvalidOperationException($"Not accepted: {result.Result}");
    }

    /// <summary>The handler's share is what this leaves out: body, validation, the answer.</summary>
    [Benchmark(Description = "MessageWriter.WriteAsync, one message")]
    public async Task<int> WriteOne()
    {
        var result = (await _writer.WriteAsync([_requests[_next++ % _requests.Length]]))[0];
        return result.Outcome == ScheduleOutcome.Accepted ? 202 : throw new InvalidOperationException($"Not accepted: {result.Outcome}");
    }

    /// <summary>The store's share (group commit, script call, reply), FakeRedis's own included.</summary>
    [Benchmark(Description = "SlotStore.AppendManyAsync, one element")]
    public async Task<int> AppendOne()
    {
        var request = _requests[_next++ % _requests.Length];
        var slot = TimeSlot.Of(request.DueMs);
        var result = (await _store.AppendManyAsync([new SlotAppend(slot, [SlotElement.Encode(TimeSlot.OffsetMs(request.DueMs), request.Message)], TimeSlot.OffsetMs(request.DueMs))]))[0];
        return result.Failure is null ? 202 : throw new InvalidOperationException("Not appended");
    }

    [Benchmark(Description = "POST /echoAtTime/batch, 1 000 messages (per call)", OperationsPerInvoke = 1)]
    public async Task<int> ScheduleBatch()
    {
        var result = await EchoEndpoints.ScheduleBatch(Request(_batch), _writer, _limits, TimeProvider.System, _metrics, NullLoggerFactory.Instance);
        return result.Result is Accepted<BatchItemResult[]> ? 202 : throw new InvalidOperationException($"Not accepted: {result.Result}");
    }

    private static string Item(long dueMs, int i) =>
        $"{{\"time\":\"{DateTimeOffset.FromUnixTimeMilliseconds(dueMs):yyyy-MM-ddTHH:mm:ss.fffZ}\",\"message\":\"reminder number {i}\"}}";

    private static byte[] Body(long dueMs, int i) => Encoding.UTF8.GetBytes(Item(dueMs, i));

    private static HttpRequest Request(byte[] body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        return context.Request;
    }
}
