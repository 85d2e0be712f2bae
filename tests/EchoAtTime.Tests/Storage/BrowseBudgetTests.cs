using EchoAtTime.Grains;
using EchoAtTime.Storage;
using EchoAtTime.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Tests.Storage;

/// <summary>
/// The listing's cost inside one long minute: every call reads at most its element budget (as the store counts what
/// its scripts read), and paging on from each call's cursor lists every message once in (due, acceptance) order,
/// though the minute's list holds them in acceptance order only.
/// </summary>
[Collection(RedisFixture.Name)]
public sealed class BrowseBudgetTests(RedisFixture redis)
{
    private const long Budget = 20_000;
    private static readonly string Prefix = $"t{Guid.NewGuid():N}:";
    private readonly SlotStore _store = new(redis.Multiplexer, Options.Create(new EchoOptions { KeyPrefix = Prefix, AppendGrace = EarlierRun.AnyMinute }));
    private readonly long _slot = Random.Shared.NextInt64(1_000_000, 2_000_000);

    // The store epoch the appends ran under: ids carry it.
    private string? _epoch;

    private long Start => TimeSlot.StartMs(_slot);

    /// <summary>
    /// Appends <paramref name="count"/> messages due at random milliseconds of the minute (many share one), in
    /// acceptance order.
    /// </summary>
    private async Task<List<(int Offset, int Seq)>> AppendAsync(int count, int seed, int maxOffset = 60_000)
    {
        var random = new Random(seed);
        var appended = new List<(int Offset, int Seq)>(count);
        for (var done = 0; done < count; done += 10_000)
        {
            var offsets = Enumerable.Range(0, Math.Min(10_000, count - done)).Select(_ => random.Next(maxOffset)).ToArray();
            var result = await _store.AppendAsync(_slot, [.. offsets.Select(o => SlotElement.Encode(o, $"m{o}"))], offsets.Min());
            _epoch = result.Epoch ?? _epoch;
            appended.AddRange(offsets.Zip(result.Seqs));
        }

        return appended;
    }

    /// <summary>
    /// Pages through the minute from the start with <paramref name="limit"/>, checking each call's cost.
    /// </summary>
    private async Task<(List<BrowsedMessage> Listed, int Calls, long MostRead)> PageThroughAsync(int limit, MessageStatus? status = null, int maxCalls = 1_000)
    {
        var listed = new List<BrowsedMessage>();
        BrowseCursor? cursor = null;
        var (calls, mostRead) = (0, 0L);
        do
        {
            var page = await _store.BrowseAsync(new BrowseQuery(Start, Start + 59_999, status, limit, cursor));
            calls++;
            mostRead = Math.Max(mostRead, page.ElementsRead);
            Assert.True(page.ElementsRead <= Budget, $"call {calls} read {page.ElementsRead} elements, more than its budget of {Budget}");
            Assert.True(page.Messages.Count <= limit);
            listed.AddRange(page.Messages);
            cursor = page.Next;
            Assert.True(calls <= maxCalls, $"no end after {calls} calls");
        }
        while (cursor is not null);

        return (listed, calls, mostRead);
    }

    private static void AssertInDueOrder(IEnumerable<(int Offset, int Seq)> expected, List<BrowsedMessage> listed, long start) =>
        Assert.Equal(
            expected.OrderBy(m => m.Offset).ThenBy(m => m.Seq).Select(m => (start + m.Offset, m.Seq)),
            listed.Select(m => (m.Id.DueMs, m.Id.Seq)));

    [Fact]
    public async Task A_call_over_a_minute_of_100_000_messages_reads_at_most_its_budget_and_paging_lists_each_once_in_due_order()
    {
        var appended = await AppendAsync(100_000, seed: 1);

        var first = await _store.BrowseAsync(new BrowseQuery(Start, Start + 59_999, null, 500));
        Assert.True(first.ElementsRead <= Budget, $"the first call read {first.ElementsRead} elements");
        Assert.NotNull(first.Next);

        var (listed, calls, mostRead) = await PageThroughAsync(500);
        Assert.Equal(100_000, listed.Count);
        AssertInDueOrder(appended, listed, Start);
        Assert.All(listed, m => Assert.Equal($"m{m.Id.DueMs - Start}", m.Message));
        Assert.InRange(mostRead, 1, Budget);

        // The whole minute in about one call per page once its order is known: not a re-read from its start each page.
        Assert.InRange(calls, 200, 215);
    }

    [Fact]
    public async Task Paging_a_long_minute_with_a_status_filter_reads_at_most_the_budget_per_call_and_moves_on()
    {
        var appended = await AppendAsync(50_000, seed: 2);
        var canceled = new[] { appended[7], appended[25_000], appended[49_999] };
        foreach (var (offset, seq) in canceled)
        {
            Assert.Equal(CancelOutcome.Canceled, (await _store.CancelAsync(new MessageId(Start + offset, seq, _epoch))).Outcome);
        }

        var (listed, calls, _) = await PageThroughAsync(2, MessageStatus.Canceled);
        AssertInDueOrder(canceled, listed, Start);
        Assert.All(listed, m => Assert.Equal(MessageStatus.Canceled, m.Record.Status));

        // Each call goes past what it read, so the filter costs the minute about once, not once per page.
        Assert.InRange(calls, 2, 8);
    }

    [Fact]
    public async Task Messages_appended_after_a_long_minute_was_paged_are_listed_in_their_place()
    {
        var appended = await AppendAsync(30_000, seed: 3);
        var (before, _, _) = await PageThroughAsync(500);
        Assert.Equal(30_000, before.Count);

        appended.AddRange(await AppendAsync(1_500, seed: 4));
        var (after, _, _) = await PageThroughAsync(500);
        AssertInDueOrder(appended, after, Start);
    }

    [Fact]
    public async Task A_cursor_from_inside_a_long_minute_resumes_right_after_its_message()
    {
        var appended = await AppendAsync(25_000, seed: 5, maxOffset: 100);
        var ordered = appended.OrderBy(m => m.Offset).ThenBy(m => m.Seq).ToList();
        var (all, _, _) = await PageThroughAsync(500);
        Assert.Equal(25_000, all.Count);

        // A cursor as the API prints it ("due.seq"), from an earlier version's page too: it names a message, not a read
        // position.
        var middle = ordered[12_345];
        Assert.True(BrowseCursor.TryParse($"{Start + middle.Offset}.{middle.Seq}", out var cursor));
        var page = await _store.BrowseAsync(new BrowseQuery(Start, Start + 59_999, null, 3, cursor));
        Assert.Equal(ordered.Skip(12_346).Take(3).Select(m => (Start + m.Offset, m.Seq)), page.Messages.Select(m => (m.Id.DueMs, m.Id.Seq)));

        // A range that ends inside the minute stops there.
        var to = Start + 50;
        var ranged = await _store.BrowseAsync(new BrowseQuery(Start + 40, to, null, 500, cursor));
        Assert.All(ranged.Messages, m => Assert.InRange(m.Id.DueMs, Start + middle.Offset, to));
    }
}
