using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EchoAtTime.Bench;

/// <summary>
/// The single-request load: a fixed number of keep-alive connections, each with exactly one
/// <c>POST /echoAtTime</c> in flight, spread over the silos the way a round-robin load balancer would
/// (connection i goes to silo i mod n). It sends for the warm-up plus the measured window.
/// </summary>
public static class SingleRequestLoad
{
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(50);

    public static Task<LoadTally> RunAsync(
        IReadOnlyList<Uri> targets, int connections, TimeSpan warmUp, TimeSpan duration, DueWindow due, int seed, CancellationToken cancellationToken) =>
        RunAsync(targets, connections, warmUp, duration, due, seed, notFound: false, cancellationToken);

    /// <summary>
    /// The same connections and pace, each sending a <c>GET</c> of a path no endpoint serves: what the silo's HTTP
    /// costs without the product (a 404 counts as answered, in <see cref="LoadTally.MeasuredAccepted"/>).
    /// </summary>
    public static Task<LoadTally> RunNotFoundAsync(IReadOnlyList<Uri> targets, int connections, TimeSpan warmUp, TimeSpan duration, CancellationToken cancellationToken) =>
        RunAsync(targets, connections, warmUp, duration, due: null, seed: 0, notFound: true, cancellationToken);

    private static async Task<LoadTally> RunAsync(
        IReadOnlyList<Uri> targets, int connections, TimeSpan warmUp, TimeSpan duration, DueWindow? due, int seed, bool notFound, CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        var measureFrom = startedAt + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var measureTo = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections)
            .Select(i => Task.Run(() => WorkAsync(EndPoint(targets[i % targets.Count]), i, notFound, new LoadTally(measureFrom, measureTo), due, seed + i, cancellationToken), cancellationToken))
            .ToArray();
        return LoadTally.Merge(await Task.WhenAll(workers), measureFrom, measureTo);
    }

    private static async Task<LoadTally> WorkAsync(IPEndPoint target, int index, bool notFound, LoadTally tally, DueWindow? due, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        using var connection = notFound
            ? RawHttpConnection.ForNotFound(target)
            : new RawHttpConnection(target, string.Create(CultureInfo.InvariantCulture, $"s{index:D3}-"));
        var expected = notFound ? 404 : 202;
        for (long counter = 0; Stopwatch.GetTimestamp() < tally.MeasureTo; counter++)
        {
            var sentAt = Stopwatch.GetTimestamp();
            try
            {
                var (status, id) = await connection.PostAsync(due?.Draw(random) ?? 0, counter, cancellationToken);
                var accepted = status == expected && (notFound || id is not null);
                tally.Answered(sentAt, Stopwatch.GetTimestamp(), 1, accepted ? 1 : 0);
                if (accepted && id is { } key)
                {
                    tally.Accepted.Add(key);
                }
                else if (!accepted)
                {
                    tally.Reject(status == 202 ? "202 without id" : status.ToString(CultureInfo.InvariantCulture), 1);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                tally.Reject("connection error", 1);
                connection.Reset();
                await Task.Delay(ReconnectPause, cancellationToken);
            }
        }

        return tally;
    }

    private static IPEndPoint EndPoint(Uri target) => new(IPAddress.Parse(target.Host), target.Port);
}
