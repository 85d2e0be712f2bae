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

    public static async Task<LoadTally> RunAsync(
        IReadOnlyList<Uri> targets, int connections, TimeSpan warmUp, TimeSpan duration, DueWindow due, int seed, CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        var measureFrom = startedAt + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var measureTo = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections)
            .Select(i => Task.Run(() => WorkAsync(EndPoint(targets[i % targets.Count]), i, new LoadTally(measureFrom, measureTo), due, seed + i, cancellationToken), cancellationToken))
            .ToArray();
        return LoadTally.Merge(await Task.WhenAll(workers), measureFrom, measureTo);
    }

    private static async Task<LoadTally> WorkAsync(IPEndPoint target, int index, LoadTally tally, DueWindow due, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        using var connection = new RawHttpConnection(target, string.Create(CultureInfo.InvariantCulture, $"s{index:D3}-"));
        for (long counter = 0; Stopwatch.GetTimestamp() < tally.MeasureTo; counter++)
        {
            var sentAt = Stopwatch.GetTimestamp();
            try
            {
                var (status, id) = await connection.PostAsync(due.Draw(random), counter, cancellationToken);
                var accepted = status == 202 && id is not null;
                tally.Answered(sentAt, Stopwatch.GetTimestamp(), 1, accepted ? 1 : 0);
                if (accepted)
                {
                    tally.Accepted.Add(id!.Value);
                }
                else
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
