namespace EchoAtTime.Simulate.Gate;

/// <summary>
/// Waits until no product code runs: the simulator's thread hands answers back inline, but some
/// continuations go to the thread pool (the group commit's flush, callers completed asynchronously).
/// Once the pool has neither queued nor running work, every operation is either done or waiting at
/// the gate, so what the schedule sees next does not depend on thread timing. The simulator runs on
/// a thread of its own and in a process of its own, so the pool is the product's alone.
/// </summary>
internal static class Quiescence
{
    public static void Settle()
    {
        ThreadPool.GetMaxThreads(out var max, out _);
        var quiet = 0;
        var spin = new SpinWait();
        var self = Thread.CurrentThread.IsThreadPoolThread ? 1 : 0;
        var started = Environment.TickCount64;
        while (quiet < 3)
        {
            ThreadPool.GetAvailableThreads(out var available, out _);
            if (Environment.TickCount64 - started > 2000)
            {
                Console.Error.WriteLine($"settle: pending {ThreadPool.PendingWorkItemCount} available {available} max {max} threads {ThreadPool.ThreadCount}");
                started = Environment.TickCount64;
            }

            if (ThreadPool.PendingWorkItemCount == 0 && available + self == max)
            {
                quiet++;
            }
            else
            {
                quiet = 0;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }
    }
}
