using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EchoAtTime.Tests.Api;

/// <summary>
/// HTTP/1.1 over a plain socket, for what HttpClient will not send: a header line repeated (HttpClient
/// folds repeated values into one line) or header bytes it refuses. One request per connection
/// (<c>Connection: close</c>); the answer is read to the end and de-chunked.
/// </summary>
internal static class RawHttp
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    /// <summary>
    /// Sends <paramref name="method"/> <paramref name="path"/> with the given header lines (raw bytes,
    /// each without its CRLF) and body; Host, Content-Length and Connection are added.
    /// </summary>
    public static async Task<ApiResponse> SendAsync(Uri baseUrl, string method, string path, IEnumerable<byte[]> headerLines, byte[] body)
    {
        using var head = new MemoryStream();
        void Line(byte[] bytes)
        {
            head.Write(bytes);
            head.Write("\r\n"u8);
        }

        Line(Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1"));
        Line(Encoding.ASCII.GetBytes($"Host: {baseUrl.Authority}"));
        foreach (var line in headerLines)
        {
            Line(line);
        }

        Line(Encoding.ASCII.GetBytes($"Content-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}"));
        Line("Connection: close"u8.ToArray());
        head.Write("\r\n"u8);
        head.Write(body);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new TcpClient();
        await client.ConnectAsync(baseUrl.Host, baseUrl.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(head.ToArray(), timeout.Token);
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, timeout.Token);
        return Parse(answer.ToArray());
    }

    public static byte[] HeaderLine(string name, string value) => Encoding.Latin1.GetBytes($"{name}: {value}");

    /// <summary>
    /// Writes <paramref name="requests"/> (whole requests, back to back, the last one with <c>Connection: close</c>)
    /// on one connection and reads every answer until the server closes it: fewer answers than requests means the
    /// server closed the connection early.
    /// </summary>
    public static async Task<IReadOnlyList<ApiResponse>> SendOnOneConnectionAsync(Uri baseUrl, byte[] requests)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new TcpClient();
        await client.ConnectAsync(baseUrl.Host, baseUrl.Port, timeout.Token);
        var stream = client.GetStream();
        var reading = Task.Run(async () =>
        {
            using var answer = new MemoryStream();
            await stream.CopyToAsync(answer, timeout.Token);
            return answer.ToArray();
        });
        await stream.WriteAsync(requests, timeout.Token);
        var raw = await reading;
        var answers = new List<ApiResponse>();
        for (var position = 0; position < raw.Length;)
        {
            var (response, length) = Parse(raw.AsSpan(position).ToArray(), framed: true);
            answers.Add(response);
            position += length;
        }

        return answers;
    }

    private static ApiResponse Parse(byte[] raw) => Parse(raw, framed: false).Response;

    /// <summary>
    /// One answer from the start of <paramref name="raw"/>; <paramref name="framed"/> takes its body's length from
    /// its headers (else the rest is its body) and returns how many bytes it took.
    /// </summary>
    private static (ApiResponse Response, int Length) Parse(byte[] raw, bool framed)
    {
        var end = raw.AsSpan().IndexOf(HeaderEnd);
        if (end < 0)
        {
            throw new InvalidOperationException($"No complete HTTP answer: {Encoding.Latin1.GetString(raw)}");
        }

        var lines = Encoding.Latin1.GetString(raw, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var start = end + HeaderEnd.Length;
        var body = raw.AsSpan(start).ToArray();
        var length = raw.Length;
        if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            (body, var taken) = Dechunk(body);
            length = start + taken;
        }
        else if (framed)
        {
            var declared = headers.TryGetValue("Content-Length", out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
            body = body[..declared];
            length = start + declared;
        }

        var mediaType = headers.TryGetValue("Content-Type", out var contentType) ? contentType.Split(';')[0].Trim() : null;
        return (new ApiResponse(status, mediaType, headers, body), length);
    }

    /// <summary>The body of a chunked answer and how many bytes its chunks took.</summary>
    private static (byte[] Body, int Length) Dechunk(byte[] chunked)
    {
        using var body = new MemoryStream();
        var position = 0;
        while (true)
        {
            var lineEnd = chunked.AsSpan(position).IndexOf("\r\n"u8) + position;
            var sizeText = Encoding.ASCII.GetString(chunked, position, lineEnd - position).Split(';')[0];
            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position = lineEnd + 2;
            if (size == 0)
            {
                // The last chunk ends with an empty line (no trailers here).
                return (body.ToArray(), position + 2);
            }

            body.Write(chunked, position, size);
            position += size + 2;
        }
    }
}
