using System.Diagnostics;
using System.Runtime.InteropServices;
using Garnet;

// Runs a Garnet server with the given Garnet command line until SIGTERM or SIGINT. The harness
// passes the silo's embedded settings (GarnetCommandLine.For: AOF, recover, storage tier, transactional Lua).
// A line "restart DIR" on standard input drops the server with every session and starts a new one (a new
// run_id) on the same port over DIR: a crash that lost what was never persisted, in tens of milliseconds
// where a new process takes a second (the simulator restarts its store in most schedules).
using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

var restarts = 0;
var clock = Stopwatch.StartNew();
long asked = 0, gone = 0;
while (true)
{
    string? line;
    using (var server = new GarnetServer(args))
    {
        server.Start();
        Console.WriteLine(restarts == 0 ? "garnet ready" : $"garnet restarted {restarts}: dropped in {gone - asked} ms, started in {clock.ElapsedMilliseconds - gone} ms");
        try
        {
            // Console reads block whatever the token says: the read runs apart, a signal ends the wait.
            var read = Task.Run(Console.In.ReadLine);
            await Task.WhenAny(read, Task.Delay(Timeout.Infinite, stop.Token));
            stop.Token.ThrowIfCancellationRequested();
            line = await read;
            asked = clock.ElapsedMilliseconds;

            // Standard input closed (a parent that never restarts it): serve until a signal.
            if (line is null)
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    if (line?.StartsWith("restart ", StringComparison.Ordinal) != true)
    {
        await Console.Error.WriteLineAsync($"unknown command: {line}");
        return 2;
    }

    gone = clock.ElapsedMilliseconds;
    args = OverDirectory(args, line["restart ".Length..]);
    restarts++;
}

static string[] OverDirectory(string[] args, string dir)
{
    var moved = (string[])args.Clone();
    for (var i = 0; i + 1 < moved.Length; i++)
    {
        moved[i + 1] = moved[i] switch
        {
            "--checkpointdir" => Path.Combine(dir, "checkpoints"),
            "--logdir" => Path.Combine(dir, "log"),
            _ => moved[i + 1],
        };
    }

    return moved;
}

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
