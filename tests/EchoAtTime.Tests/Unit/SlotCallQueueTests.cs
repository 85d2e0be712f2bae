using System.Collections.Immutable;
using EchoAtTime.Api.Accept;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// A minute's call queue: what arrives while an append is in flight goes in the next one, in arrival order; an idle
/// queue stays for the next request and is retired only once it went unused between two looks.
/// </summary>
public sealed class SlotCallQueueTests
{
    private static ImmutableArray<ScheduleRequest> Messages(params string[] texts) => [.. texts.Select(t => new ScheduleRequest(0, t))];

    private static ScheduleResult[] Answer(ImmutableArray<ScheduleRequest> messages) =>
        [.. messages.Select((_, i) => new ScheduleResult(new MessageId(0, i), ScheduleOutcome.Accepted))];

    [Fact]
    public async Task Requests_arriving_while_an_append_is_in_flight_go_together_in_the_next_one_in_arrival_order()
    {
        var sends = new List<string[]>();
        var first = new TaskCompletionSource<ScheduleResult[]>();
        var queue = new SlotCallQueue(messages =>
        {
            sends.Add([.. messages.Select(m => m.Message)]);
            return sends.Count == 1 ? first.Task : Task.FromResult(Answer(messages));
        });

        Assert.True(queue.TryEnqueue(Messages("a"), out var a));
        Assert.True(queue.TryEnqueue(Messages("b", "c"), out var b));
        Assert.True(queue.TryEnqueue(Messages("d"), out var d));
        first.SetResult(Answer(Messages("a")));

        Assert.Single(await a);
        Assert.Equal([0, 1], (await b).Select(r => r.Id.Seq));
        Assert.Equal([2], (await d).Select(r => r.Id.Seq));
        Assert.Equal([["a"], ["b", "c", "d"]], sends);
    }

    [Fact]
    public async Task An_idle_queue_takes_the_next_request_and_is_retired_only_after_going_unused_between_two_looks()
    {
        var sent = 0;
        var queue = new SlotCallQueue(messages =>
        {
            sent++;
            return Task.FromResult(Answer(messages));
        });

        Assert.True(queue.TryEnqueue(Messages("a"), out var a));
        await a;
        Assert.True(queue.TryEnqueue(Messages("b"), out var b));
        await b;
        Assert.Equal(2, sent);

        // Used since the last look: kept, and the look clears that.
        Assert.False(queue.TryRetireIfUnused());
        Assert.True(queue.TryRetireIfUnused());
        Assert.False(queue.TryEnqueue(Messages("c"), out _));
        Assert.Equal(2, sent);
    }

    [Fact]
    public async Task A_queue_with_an_append_in_flight_is_never_retired()
    {
        var inFlight = new TaskCompletionSource<ScheduleResult[]>();
        var queue = new SlotCallQueue(_ => inFlight.Task);
        Assert.True(queue.TryEnqueue(Messages("a"), out var a));

        Assert.False(queue.TryRetireIfUnused());
        Assert.False(queue.TryRetireIfUnused());
        inFlight.SetResult(Answer(Messages("a")));
        await a;
        Assert.True(queue.TryRetireIfUnused());
    }
}
