using System.Collections.Concurrent;
using EchoAtTime.Grains.Slots;
using Microsoft.Extensions.Logging.Abstractions;

namespace EchoAtTime.Tests.Unit;

public sealed class DueClockTests
{
    [Fact]
    public async Task Wake_ups_fire_in_due_order_never_before_their_due_time_and_canceled_ones_never()
    {
        using var clock = new DueClock(TimeProvider.System, NullLogger<DueClock>.Instance);
        var fired = new ConcurrentQueue<(string Name, long DueMs, long FiredMs)>();
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        DueTicket At(string name, long dueMs, bool isLast = false) => clock.WakeAt(dueMs, () =>
        {
            fired.Enqueue((name, dueMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            if (isLast)
            {
                last.SetResult();
            }
        });

        At("third", now + 90, isLast: true);
        At("first", now + 30);
        var canceled = At("canceled", now + 45);
        At("second", now + 60);
        canceled.Cancel();
        At("already due", now - 5);

        await last.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["already due", "first", "second", "third"], fired.Select(f => f.Name));
        Assert.All(fired, f => Assert.True(f.FiredMs >= f.DueMs, $"{f.Name} fired {f.DueMs - f.FiredMs} ms early"));
    }
}
