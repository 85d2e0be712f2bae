using EchoAtTime.Tests.Infrastructure;

namespace EchoAtTime.Tests.Cluster;

[Collection(SlotClusterFixture.Name)]
public sealed class GroupCommitTests(SlotClusterFixture fixture)
{
    [Fact]
    public async Task Concurrent_requests_for_one_minute_each_get_their_own_id_and_print_their_own_message()
    {
        var writer = fixture.Writer;
        var tag = $"{Guid.NewGuid():N}:";
        var due = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1_500;

        var answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            var message = $"{tag}{i:D3}";
            var result = (await writer.WriteAsync([new ScheduleRequest(due + (i % 7), message)])).Single();
            return (message, result);
        }));

        Assert.All(answers, a => Assert.Equal(ScheduleOutcome.Accepted, a.result.Outcome));
        Assert.Equal(300, answers.Select(a => a.result.Id).Distinct().Count());

        // A marker due after all of them: once it printed, each had its chance to print twice.
        var marker = $"{Guid.NewGuid():N}:marker";
        await writer.WriteAsync([new ScheduleRequest(answers.Max(a => a.result.Id.DueMs) + 500, marker)]);
        var printed = CapturingSink.Tagged(await fixture.Sink.WaitForAsync(l => l.Any(p => p.Message == marker), TimeSpan.FromSeconds(30)), tag);
        Assert.Equal(300, printed.Count);
        var byId = printed.ToDictionary(l => l.Id, l => l.Message);
        Assert.All(answers, a => Assert.Equal(a.message, byId[a.result.Id]));
    }
}
