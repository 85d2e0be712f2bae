using System.Runtime.InteropServices;
using Garnet;

// Runs a Garnet server with the given Garnet command line until SIGTERM or SIGINT. The harness
// passes the silo's embedded settings (GarnetCommandLine.For: AOF, recover, storage tier, transactional Lua).
using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

using (var server = new GarnetServer(args))
{
    server.Start();
    Console.WriteLine("garnet ready");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }
}

return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
