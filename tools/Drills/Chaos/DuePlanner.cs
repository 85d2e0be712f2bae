namespace EchoAtTime.Chaos;

/// <summary>
/// Picks each message's due time when its request is sent: uniformly in [now + min, now + max], or,
/// for a fraction of messages, exactly the millisecond of a recent message, so that equal due times
/// (ordered by acceptance sequence) are exercised across silos and slots. Used by one thread only.
/// </summary>
public sealed class DuePlanner(Random random, TimeSpan min, TimeSpan max, double sharedFraction)
{
    private const int RecentCount = 32;
    private const int SharedAttempts = 4;

    private readonly long[] _recent = new long[RecentCount];
    private readonly long _minMs = (long)min.TotalMilliseconds;
    private readonly long _maxMs = (long)max.TotalMilliseconds;
    private int _recentFilled;
    private int _recentNext;

    public long Next(long nowMs)
    {
        if (_recentFilled > 0 && random.NextDouble() < sharedFraction)
        {
            for (var attempt = 0; attempt < SharedAttempts; attempt++)
            {
                // A shared time must still be at least min ahead, like any other.
                var candidate = _recent[random.Next(_recentFilled)];
                if (candidate >= nowMs + _minMs)
                {
                    return candidate;
                }
            }
        }

        var due = nowMs + random.NextInt64(_minMs, _maxMs + 1);
        _recent[_recentNext] = due;
        _recentNext = (_recentNext + 1) % RecentCount;
        _recentFilled = Math.Min(_recentFilled + 1, RecentCount);
        return due;
    }
}
