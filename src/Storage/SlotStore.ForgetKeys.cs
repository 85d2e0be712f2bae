using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>Dropping idempotency keys that can no longer be repeated.</summary>
public sealed partial class SlotStore
{
    /// <summary>
    /// Drops the reservations of <paramref name="keys"/> (held with <paramref name="fingerprint"/>) and their nonces in
    /// the minutes they point at. For keys no request will use again — a schedule's occurrences once committed — so
    /// what an occurrence leaves behind is what a plain message leaves. Not atomic across the two hash slots, and need
    /// not be: a reservation without its nonce, or the other way round, only costs its bytes until it expires.
    /// </summary>
    public async Task ForgetKeysAsync(IReadOnlyList<string> keys, string fingerprint)
    {
        var db = Db;
        var held = await Task.WhenAll(keys.Select(k => db.StringGetAsync(_keys.Idempotency(k)))).ConfigureAwait(false);
        var nonces = held.Select(h => KeyReservation.Parse((string?)h ?? "", fingerprint)).OfType<KeyReservation>()
            .GroupBy(r => r.Slot)
            .Select(minute => db.HashDeleteAsync(_keys.Nonces(minute.Key), [.. minute.Select(r => (RedisValue)r.Nonce)]));
        await Task.WhenAll([.. nonces, .. keys.Select(k => db.KeyDeleteAsync(_keys.Idempotency(k)))]).ConfigureAwait(false);
    }
}
