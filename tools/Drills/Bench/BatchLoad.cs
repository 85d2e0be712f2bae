using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EchoAtTime.Bench;

/// <summary>
/// <c>POST /echoAtTime/batch</c> requests with a bounded number in flight, round-robin over the
/// silos. Batches are few (a thousand messages each), so HttpClient's cost per request does not
/// matter here; the bodies are written with Utf8JsonWriter and the answers read with Utf8JsonReader.
/// </summary>
public sealed class BatchLoad : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = RequestTimeout,
    };

    private long _requestNumber;

    /// <summary>
    /// Runs <paramref name="concurrency"/> workers that each take the due times of the next batch from
    /// <paramref name="nextBatch"/> (called under a lock; null ends the run) and send it.
    /// </summary>
    /// <param name="measureFrom">Stopwatch timestamp where the measured window starts (see
    /// <see cref="LoadTally"/>).</param>
    /// <param name="measureTo">Stopwatch timestamp where it ends.</param>
    public async Task<LoadTally> RunAsync(
        IReadOnlyList<Uri> targets, int concurrency, Func<long[]?> nextBatch, long measureFrom, long measureTo, CancellationToken cancellationToken)
    {
        var gate = new Lock();
        long[]? Next()
        {
            lock (gate)
            {
                return nextBatch();
            }
        }

        var workers = Enumerable.Range(0, concurrency)
            .Select(_ => Task.Run(() => WorkAsync(targets, Next, new LoadTally(measureFrom, measureTo), cancellationToken), cancellationToken))
            .ToArray();
        return LoadTally.Merge(await Task.WhenAll(workers), measureFrom, measureTo);
    }

    /// <summary>Sends the given batches (a list of due-time arrays), all counted as measured.</summary>
    public Task<LoadTally> SendAllAsync(IReadOnlyList<Uri> targets, int concurrency, IReadOnlyList<long[]> batches, CancellationToken cancellationToken)
    {
        var next = 0;
        return RunAsync(targets, concurrency, () => next < batches.Count ? batches[next++] : null, 0, long.MaxValue, cancellationToken);
    }

    /// <summary>
    /// Splits <paramref name="dueTimes"/> into batches of at most <paramref name="size"/> in their order.
    /// </summary>
    public static IReadOnlyList<long[]> Split(IReadOnlyList<long> dueTimes, int size) =>
        [.. dueTimes.Chunk(size)];

    public void Dispose() => _http.Dispose();

    private async Task<LoadTally> WorkAsync(IReadOnlyList<Uri> targets, Func<long[]?> next, LoadTally tally, CancellationToken cancellationToken)
    {
        while (next() is { } dueTimes)
        {
            var number = Interlocked.Increment(ref _requestNumber);
            var target = new Uri(targets[(int)(number % targets.Count)], "echoAtTime/batch");
            using var content = new ReadOnlyMemoryContent(Body(number, dueTimes));
            content.Headers.ContentType = Json;
            var sentAt = Stopwatch.GetTimestamp();
            try
            {
                using var response = await _http.PostAsync(target, content, cancellationToken);
                var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var status = (int)response.StatusCode;
                var accepted = status is 202 or 207 ? ReadAccepted(answer, tally) : 0;
                tally.Answered(sentAt, Stopwatch.GetTimestamp(), dueTimes.Length, accepted);
                if (status is not (202 or 207))
                {
                    tally.Reject(status.ToString(CultureInfo.InvariantCulture), dueTimes.Length);
                }
            }
            catch (HttpRequestException)
            {
                tally.Reject("connection error", dueTimes.Length);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                tally.Reject("timeout", dueTimes.Length);
            }
        }

        return tally;
    }

    /// <summary><c>[{"time":due,"message":"b000000001-0000xxxx…"}, …]</c>, each message 32 characters.</summary>
    private static ReadOnlyMemory<byte> Body(long number, long[] dueTimes)
    {
        var buffer = new ArrayBufferWriter<byte>(dueTimes.Length * 64);
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartArray();
        Span<char> message = stackalloc char[RawHttpConnection.MessageLength];
        for (var i = 0; i < dueTimes.Length; i++)
        {
            message.Fill('x');
            _ = message.TryWrite(CultureInfo.InvariantCulture, $"b{number:D9}-{i:D4}", out _);
            writer.WriteStartObject();
            writer.WriteNumber("time"u8, dueTimes[i]);
            writer.WriteString("message"u8, message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.Flush();
        return buffer.WrittenMemory;
    }

    /// <summary>
    /// Reads <c>[{"index","status","id",…}, …]</c>: items with status 202 and an id are accepted; the rest are rejected
    /// by status.
    /// </summary>
    private static int ReadAccepted(byte[] answer, LoadTally tally)
    {
        var reader = new Utf8JsonReader(answer);
        var accepted = 0;
        var (status, id, property) = (0, (MessageKey?)null, "");
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when reader.CurrentDepth == 1:
                    (status, id) = (0, null);
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == 2:
                    property = reader.ValueTextEquals("status"u8) ? "status" : reader.ValueTextEquals("id"u8) ? "id" : "";
                    break;
                case JsonTokenType.Number when reader.CurrentDepth == 2 && property == "status":
                    status = reader.GetInt32();
                    break;
                case JsonTokenType.String when reader.CurrentDepth == 2 && property == "id" && !reader.ValueIsEscaped:
                    id = MessageKey.TryParse(reader.ValueSpan, out var key) ? key : null;
                    break;
                case JsonTokenType.EndObject when reader.CurrentDepth == 1:
                    if (status == 202 && id is { } acceptedId)
                    {
                        tally.Accepted.Add(acceptedId);
                        accepted++;
                    }
                    else
                    {
                        tally.Reject(status == 202 ? "202 without id" : status.ToString(CultureInfo.InvariantCulture), 1);
                    }

                    break;
            }
        }

        return accepted;
    }
}
