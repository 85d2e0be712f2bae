using System.Collections.Immutable;
using StackExchange.Redis;

namespace EchoAtTime.Api.Accept;

/// <summary>
/// Group commit for one minute in this process, for requests that go to that minute alone (single
/// messages, dense batches) and for keyed messages: while an append to the minute is in flight,
/// requests for it wait here and go together in the next one. An idle minute's first request goes
/// at once; under load, N concurrent requests cost one Redis round trip instead of N serialized
/// ones. Requests keep their order in the call, so acceptance order follows arrival. An idle queue stays for the
/// minute's next request (a queue per request was a tenth of a single request's allocations) until its owner retires
/// it (<see cref="TryRetireIfUnused"/>).
/// </summary>
internal sealed class SlotCallQueue(Func<ImmutableArray<ScheduleRequest>, Task<ScheduleResult[]>> send)
{
    // Bounds one append; whatever waits beyond it goes in the following one.
    private const int MaxMessagesPerCall = 5_000;

    private readonly Lock _lock = new();
    private readonly Queue<(ImmutableArray<ScheduleRequest> Messages, TaskCompletionSource<ScheduleResult[]> Done)> _waiting = new();

    // Only the one sender at a time (_sending) uses it.
    private readonly List<(ImmutableArray<ScheduleRequest> Messages, TaskCompletionSource<ScheduleResult[]> Done)> _batch = [];
    private bool _sending;
    private bool _retired;
    private bool _used;

    /// <summary>False once the queue was retired: the caller takes a fresh one.</summary>
    public bool TryEnqueue(ImmutableArray<ScheduleRequest> messages, out Task<ScheduleResult[]> results)
    {
        // Completed by the sender once the append is answered, already on a pool thread: the request goes on there,
        // inline, rather than through one more queue (see AppendGroupCommit.Pending.Done).
        var done = new TaskCompletionSource<ScheduleResult[]>();
        results = done.Task;
        bool start;
        lock (_lock)
        {
            if (_retired)
            {
                return false;
            }

            _used = true;
            _waiting.Enqueue((messages, done));
            start = !_sending;
            _sending = true;
        }

        if (start)
        {
            _ = SendAsync();
        }

        return true;
    }

    /// <summary>
    /// Retires the queue when nothing waits in it or is being sent and it took nothing since the last call: true when
    /// retired, and the owner drops it (a caller that still holds it gets false from <see cref="TryEnqueue"/>).
    /// </summary>
    public bool TryRetireIfUnused()
    {
        lock (_lock)
        {
            if (_sending || _waiting.Count > 0 || _used)
            {
                _used = false;
                return false;
            }

            _retired = true;
            return true;
        }
    }

    private async Task SendAsync()
    {
        var batch = _batch;
        while (true)
        {
            batch.Clear();
            lock (_lock)
            {
                var count = 0;
                while (_waiting.Count > 0 && (batch.Count == 0 || count + _waiting.Peek().Messages.Length <= MaxMessagesPerCall))
                {
                    var next = _waiting.Dequeue();
                    count += next.Messages.Length;
                    batch.Add(next);
                }

                if (batch.Count == 0)
                {
                    _sending = false;
                    return;
                }
            }

            try
            {
                var messages = batch.Count == 1 ? batch[0].Messages : [.. batch.SelectMany(b => b.Messages)];
                var results = await send(messages);
                if (batch.Count == 1)
                {
                    batch[0].Done.SetResult(results);
                    continue;
                }

                var offset = 0;
                foreach (var (part, done) in batch)
                {
                    done.SetResult(results.AsSpan(offset, part.Length).ToArray());
                    offset += part.Length;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The callers merged into this call each answer 503 for their messages, and only these callers.
                foreach (var (part, done) in batch)
                {
                    done.SetResult([.. Enumerable.Repeat(ScheduleResult.Unavailable, part.Length)]);
                }
            }
            catch (Exception ex)
            {
                foreach (var (_, done) in batch)
                {
                    done.SetException(ex);
                }
            }
        }
    }
}
