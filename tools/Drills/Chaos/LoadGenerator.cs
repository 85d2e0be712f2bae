using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EchoAtTime.Chaos;

/// <summary>
/// Schedules the run's messages through the HTTP API at an even rate, spread round-robin over the
/// nodes that are up, with a bounded number of requests in flight. Due times are picked when a
/// request is sent, so a stalled phase never produces messages that are already due.
/// </summary>
/// <remarks>
/// With <see cref="ChaosOptions.RetryFor"/> (the default) every message carries an idempotency key
/// (<c>Idempotency-Key</c>, or <c>"id"</c> in a batch) and a request answered <c>503</c>, broken or
/// timed out is sent again, unchanged and with the same keys, to the next node that is up, until it
/// is answered or <see cref="ChaosOptions.RetryFor"/> has passed since its first attempt: the retry
/// the API documents. A message whose reply was lost after the store took it is then accepted under
/// the id it was stored with, so every print maps to one accepted id.
/// </remarks>
public sealed class LoadGenerator : IDisposable
{
    private const int OtherStatusSamplesKept = 10;
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly TimeSpan NoTargetPause = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestRetryPause = TimeSpan.FromSeconds(1);
    private const string IdempotencyHeader = "Idempotency-Key";

    private readonly ChaosOptions _options;
    private readonly IReadOnlyList<ServiceNode> _targets;
    private readonly DuePlanner _planner;
    private readonly string _runTag;
    private readonly TimeProvider _clock;
    private readonly HttpClient _http;
    private readonly Lock _lock = new();
    private readonly List<AcceptedMessage> _accepted = [];
    private readonly HashSet<string> _unconfirmed = new(StringComparer.Ordinal);
    private readonly List<string> _otherStatusSamples = [];
    private readonly List<Rejection> _rejections = [];
    private readonly List<long> _acceptedLatencies = [];
    private readonly ConcurrentDictionary<string, long> _acceptedByTarget = new(StringComparer.Ordinal);
    private long _maxAcceptedDueMs;
    private long _requests;
    private long _sent;
    private long _unavailable;
    private long _connectionErrors;
    private long _timeouts;
    private long _otherStatus;
    private long _retries;
    private long _acceptedOnRetry;
    private int _nextTarget;

    public LoadGenerator(ChaosOptions options, IReadOnlyList<ServiceNode> targets, DuePlanner planner, string runTag, TimeProvider clock)
    {
        _options = options;
        _targets = targets;
        _planner = planner;
        _runTag = runTag;
        _clock = clock;

        // One pooled handler for the whole run: connections are reused, at most one per request in flight.
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Concurrency,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public long Sent => Interlocked.Read(ref _sent);

    public long AcceptedCount
    {
        get
        {
            lock (_lock)
            {
                return _accepted.Count;
            }
        }
    }

    /// <summary>The latest due time among accepted messages (epoch ms); 0 before the first.</summary>
    public long MaxAcceptedDueMs => Interlocked.Read(ref _maxAcceptedDueMs);

    public IReadOnlyList<AcceptedMessage> Accepted()
    {
        lock (_lock)
        {
            return [.. _accepted];
        }
    }

    /// <summary>
    /// Requests are retried with the same idempotency keys (<see cref="ChaosOptions.RetryFor"/> &gt; 0).
    /// </summary>
    public bool Keyed => _options.RetryFor > TimeSpan.Zero;

    /// <summary>
    /// Texts of messages sent in requests that were not answered <c>202</c> (at some attempt); they may still print.
    /// </summary>
    public IReadOnlySet<string> Unconfirmed()
    {
        lock (_lock)
        {
            return new HashSet<string>(_unconfirmed, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Every attempt not answered <c>202</c>, in the order the answers came (a retried request once per failed
    /// attempt).
    /// </summary>
    public IReadOnlyList<Rejection> Rejections()
    {
        lock (_lock)
        {
            return [.. _rejections];
        }
    }

    public RequestFigures Figures()
    {
        lock (_lock)
        {
            return new RequestFigures
            {
                Requests = Interlocked.Read(ref _requests),
                MessagesSent = Interlocked.Read(ref _sent),
                Accepted = _accepted.Count,
                Unavailable = Interlocked.Read(ref _unavailable),
                ConnectionErrors = Interlocked.Read(ref _connectionErrors),
                Timeouts = Interlocked.Read(ref _timeouts),
                OtherStatus = Interlocked.Read(ref _otherStatus),
                Retries = Interlocked.Read(ref _retries),
                AcceptedOnRetry = Interlocked.Read(ref _acceptedOnRetry),
                OtherStatusSamples = [.. _otherStatusSamples],
                AcceptedLatency = LatenessFigures.Of(_acceptedLatencies),
                AcceptedByTarget = new SortedDictionary<string, long>(_acceptedByTarget, StringComparer.Ordinal),
            };
        }
    }

    /// <summary>Sends every message, then waits for the requests still in flight.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var perRequest = Math.Max(_options.Batch, 1);
        var spacingMs = _options.Duration.TotalMilliseconds / _options.Messages;
        var startMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        using var inFlight = new SemaphoreSlim(_options.Concurrency, _options.Concurrency);
        var next = 0;
        while (next < _options.Messages)
        {
            await Conditions.DelayUntilAsync(_clock, startMs + (long)(next * spacingMs), cancellationToken);
            await inFlight.WaitAsync(cancellationToken);
            var target = await NextTargetAsync(cancellationToken);
            var count = Math.Min(perRequest, _options.Messages - next);
            var nowMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            var messages = new Outgoing[count];
            for (var i = 0; i < count; i++)
            {
                var index = (next + i).ToString("D6", CultureInfo.InvariantCulture);
                messages[i] = new Outgoing(_planner.Next(nowMs), $"chaos {_runTag} {index}", Keyed ? $"chaos-{_runTag}-{index}" : null);
            }

            next += count;
            Interlocked.Add(ref _sent, count);
            Interlocked.Increment(ref _requests);
            _ = SendAsync(target, messages, inFlight, cancellationToken);
        }

        // Every request in flight holds a slot: owning them all means all have been answered.
        for (var slot = 0; slot < _options.Concurrency; slot++)
        {
            await inFlight.WaitAsync(cancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<ServiceNode> NextTargetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            for (var tried = 0; tried < _targets.Count; tried++)
            {
                var node = _targets[(int)((uint)Interlocked.Increment(ref _nextTarget) % (uint)_targets.Count)];
                if (node.IsReady)
                {
                    return node;
                }
            }

            // Everything is restarting (possible with one silo): wait for any to come back.
            await Task.Delay(NoTargetPause, _clock, cancellationToken);
        }
    }

    /// <summary>One request and, when keyed, its retries; holds its in-flight slot throughout.</summary>
    private async Task SendAsync(ServiceNode target, Outgoing[] messages, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        try
        {
            var firstSentAtMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            for (var attempt = 1; ; attempt++)
            {
                var sentAtMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
                var failure = await AttemptAsync(target, messages, attempt, sentAtMs, cancellationToken);
                if (failure is null)
                {
                    return;
                }

                // 503, a broken connection and a timeout are ambiguous (the store may have taken it): retried. Anything
                // else is an answer.
                var retry = Keyed
                            && failure is "503" or "connection" or "timeout"
                            && Elapsed(firstSentAtMs) < (long)_options.RetryFor.TotalMilliseconds
                            && !cancellationToken.IsCancellationRequested;
                RecordRejected(new Rejection(sentAtMs, target.Name, failure, Texts(messages), Elapsed(sentAtMs), attempt, retry), messages);
                if (!retry)
                {
                    return;
                }

                await Task.Delay(RetryPause(attempt), _clock, cancellationToken);
                target = await NextTargetAsync(cancellationToken);
                Interlocked.Increment(ref _requests);
                Interlocked.Increment(ref _retries);
            }
        }
        finally
        {
            inFlight.Release();
        }
    }

    /// <summary>
    /// Null when answered (every 202 item recorded as accepted); otherwise why not: <c>503</c>, <c>connection</c>,
    /// <c>timeout</c> or the status code.
    /// </summary>
    private async Task<string?> AttemptAsync(ServiceNode target, Outgoing[] messages, int attempt, long sentAtMs, CancellationToken cancellationToken)
    {
        var single = _options.Batch == 0;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseUrl, single ? "echoAtTime" : "echoAtTime/batch"));
            request.Content = new ByteArrayContent(Body(messages, single));
            request.Content.Headers.ContentType = Json;
            if (single && messages[0].Key is { } key)
            {
                request.Headers.Add(IdempotencyHeader, key);
            }

            using var response = await _http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            switch (response.StatusCode)
            {
                case HttpStatusCode.Accepted or HttpStatusCode.MultiStatus when TryReadResults(body, single, messages.Length, out var results):
                    RecordResults(target, sentAtMs, attempt, messages, results);
                    RecordLatency(sentAtMs);
                    return null;
                case HttpStatusCode.ServiceUnavailable:
                    return "503";
                default:
                    RecordOtherStatus(target, response.StatusCode, body);
                    return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "timeout";
        }
        catch (HttpRequestException)
        {
            return "connection";
        }
    }

    private static TimeSpan RetryPause(int attempt) =>
        TimeSpan.FromTicks(Math.Min(FirstRetryPause.Ticks << Math.Min(attempt - 1, 10), LongestRetryPause.Ticks));

    private static string[] Texts(Outgoing[] messages) => Array.ConvertAll(messages, m => m.Text);

    private static byte[] Body(Outgoing[] messages, bool single)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * messages.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (!single)
            {
                writer.WriteStartArray();
            }

            foreach (var (dueMs, text, key) in messages)
            {
                writer.WriteStartObject();
                writer.WriteNumber("time", dueMs);
                writer.WriteString("message", text);
                if (!single && key is not null)
                {
                    writer.WriteString("id", key);
                }

                writer.WriteEndObject();
            }

            if (!single)
            {
                writer.WriteEndArray();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Per message, its status and (when 202) id: a single answer is <c>{"id","dueAt"}</c>; a batch
    /// answer (202, or 207 when items differ) is an array in request order of
    /// <c>{"index","status","id","dueAt"}</c>, an item without <c>status</c> counting as accepted.
    /// </summary>
    private static bool TryReadResults(byte[] body, bool single, int expected, out (int Status, string Id, long DueMs)[] results)
    {
        results = [];
        try
        {
            using var json = JsonDocument.Parse(body);
            var items = single ? [json.RootElement] : json.RootElement.EnumerateArray().ToArray();
            if (items.Length != expected)
            {
                return false;
            }

            results = new (int, string, long)[items.Length];
            for (var i = 0; i < items.Length; i++)
            {
                var status = !single && items[i].TryGetProperty("status", out var s) ? s.GetInt32() : (int)HttpStatusCode.Accepted;
                if (status != (int)HttpStatusCode.Accepted)
                {
                    results[i] = (status, "", 0);
                    continue;
                }

                var id = items[i].GetProperty("id").GetString() ?? "";
                var dash = id.IndexOf('-', StringComparison.Ordinal);
                if (dash <= 0 || !long.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var dueMs))
                {
                    return false;
                }

                results[i] = (status, id, dueMs);
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private void RecordResults(ServiceNode target, long sentAtMs, int attempt, Outgoing[] messages, (int Status, string Id, long DueMs)[] results)
    {
        var nowMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var accepted = 0;
        lock (_lock)
        {
            for (var i = 0; i < messages.Length; i++)
            {
                if (results[i].Status != (int)HttpStatusCode.Accepted)
                {
                    continue;
                }

                accepted++;
                _accepted.Add(new AcceptedMessage(results[i].Id, results[i].DueMs, messages[i].Text, target.Name, nowMs, attempt, sentAtMs));
                if (results[i].DueMs > _maxAcceptedDueMs)
                {
                    Interlocked.Exchange(ref _maxAcceptedDueMs, results[i].DueMs);
                }
            }
        }

        _acceptedByTarget.AddOrUpdate(target.Name, accepted, (_, count) => count + accepted);
        if (attempt > 1)
        {
            Interlocked.Add(ref _acceptedOnRetry, accepted);
        }

        // Valid items without ids can only be refused as a whole, so this is not expected; if it happens, it is
        // reported.
        foreach (var refused in Enumerable.Range(0, messages.Length).Where(i => results[i].Status != (int)HttpStatusCode.Accepted).GroupBy(i => results[i].Status))
        {
            var texts = refused.Select(i => messages[i]).ToArray();
            RecordRejected(new Rejection(sentAtMs, target.Name, $"item {refused.Key.ToString(CultureInfo.InvariantCulture)}", Texts(texts), Elapsed(sentAtMs), attempt), texts);
        }
    }

    private long Elapsed(long sinceMs) => _clock.GetUtcNow().ToUnixTimeMilliseconds() - sinceMs;

    private void RecordLatency(long sentAtMs)
    {
        var latency = Elapsed(sentAtMs);
        lock (_lock)
        {
            _acceptedLatencies.Add(latency);
        }
    }

    private void RecordRejected(Rejection rejection, Outgoing[] messages)
    {
        switch (rejection.Reason)
        {
            case "503":
                Interlocked.Add(ref _unavailable, messages.Length);
                break;
            case "connection":
                Interlocked.Add(ref _connectionErrors, messages.Length);
                break;
            case "timeout":
                Interlocked.Add(ref _timeouts, messages.Length);
                break;
            default:
                Interlocked.Add(ref _otherStatus, messages.Length);
                break;
        }

        lock (_lock)
        {
            _rejections.Add(rejection);
            foreach (var message in messages)
            {
                _unconfirmed.Add(message.Text);
            }
        }
    }

    private void RecordOtherStatus(ServiceNode target, HttpStatusCode status, byte[] body)
    {
        lock (_lock)
        {
            if (_otherStatusSamples.Count < OtherStatusSamplesKept)
            {
                var text = System.Text.Encoding.UTF8.GetString(body);
                _otherStatusSamples.Add($"{target.Name}: {(int)status} {text[..Math.Min(text.Length, 300)]}");
            }
        }
    }
}

/// <summary>
/// One message as sent: the time asked for, the text (unique per run) and its idempotency key (null when not keyed).
/// </summary>
internal readonly record struct Outgoing(long DueMs, string Text, string? Key);
