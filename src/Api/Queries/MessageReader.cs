using EchoAtTime.Storage;

namespace EchoAtTime.Api.Queries;

/// <summary>
/// Every question the API answers about messages: one by its id, a page of the listing, the figures
/// of the messages page. Each is a read of the store that changes nothing, run by whichever process
/// took the request; no grain call is on any of them. Writes go through <see cref="Accept.MessageWriter"/>.
/// </summary>
public sealed class MessageReader(SlotStore store)
{
    /// <summary>The message's status and, once printed, its delivery receipt (one script).</summary>
    public Task<MessageRecord> LookupAsync(MessageId id) => store.LookupAsync(id);

    /// <summary>A page of messages by due time, bounded work per call (<see cref="SlotStore.BrowseAsync"/>).</summary>
    public Task<BrowsePage> BrowseAsync(BrowseQuery query) => store.BrowseAsync(query);

    /// <summary>
    /// Pending messages per minute for <paramref name="minutesAhead"/> from <paramref name="nowMs"/>,
    /// and what became of each of the last <paramref name="minutesBack"/> (one pipelined round).
    /// </summary>
    public Task<MessagesSummary> SummarizeAsync(long nowMs, int minutesAhead, int minutesBack) =>
        store.SummaryAsync(nowMs, minutesAhead, minutesBack);
}
