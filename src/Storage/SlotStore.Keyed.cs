using System.Globalization;
using StackExchange.Redis;

namespace EchoAtTime.Storage;

/// <summary>
/// Idempotency keys: their reservations, and the append of keyed messages under the reservations' nonces.
/// </summary>
public sealed partial class SlotStore
{
    /// <summary>
    /// Appends keyed messages under their reservations' nonces in one script (see
    /// <see cref="SlotScripts.AppendKeyed"/>): per element the new sequence, the original's id
    /// (<see cref="AppendResult.Repeats"/>), or that it must go to a later minute
    /// (<see cref="AppendResult.Moved"/>: this minute will never store it); the head says closed or
    /// below the floor as for <see cref="AppendAsync"/>, for what was neither stored nor found.
    /// </summary>
    public async Task<AppendResult> AppendKeyedAsync(long slot, IReadOnlyList<(RedisValue Element, long DueMs, string Nonce, bool Here)> messages)
    {
        var values = new RedisValue[(messages.Count * 4) + 2];
        values[0] = _retentionSeconds;
        values[1] = OpenUntilMs(slot);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            values[2 + (i * 4)] = m.Nonce;
            values[3 + (i * 4)] = m.DueMs;
            values[4 + (i * 4)] = m.Element;
            values[5 + (i * 4)] = m.Here ? "1" : "0";
        }

        var db = Db;
        RedisKey[] keys = [_keys.Messages(slot), _keys.Meta(slot), _keys.Nonces(slot)];
        var (sent, indexed) = await IndexThenAsync([slot], () => db.ScriptEvaluateAsync(SlotScripts.AppendKeyed, keys, values)).ConfigureAwait(false);
        var reply = (RedisResult[])(await sent.ConfigureAwait(false))!;
        if (_replicaAcks > 0)
        {
            await Task.WhenAll(AcknowledgingServers([keys[0]], indexed).Select(s => WaitForReplicasAsync(s, $"the append to slot {slot}"))).ConfigureAwait(false);
        }

        var status = (long)reply[0];
        var seqs = new int[messages.Count];
        var repeats = new ScheduleResult?[messages.Count];
        var moved = new bool[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var item = reply[i + 3];
            seqs[i] = item.Resp2Type == ResultType.Integer ? (int)item : -1;
            if (seqs[i] >= 0)
            {
                continue;
            }

            var text = (string?)item ?? "";
            moved[i] = text == ">";
            if (MessageId.TryParse(text, out var original))
            {
                repeats[i] = new ScheduleResult(original, ScheduleOutcome.Repeated);
            }
        }

        return status switch
        {
            -1 => new AppendResult(seqs, true, null, repeats, Moved: moved) { StoreNowMs = StoreNow(reply[1]) },
            -2 => new AppendResult(seqs, false, (int)reply[1], repeats, Moved: moved),
            _ => AppendResult.Appended(seqs, (string)reply[2]!, (string?)reply[1], repeats) with { Moved = moved },
        };
    }

    /// <summary>
    /// Reserves idempotency keys, each in its own round of the same pipeline: per key the
    /// reservation that holds (an earlier request's, or a new one pointing at
    /// <paramref name="slots"/>), or null when the key is held by a request with another fingerprint. A new one takes
    /// the nonce of <paramref name="nonces"/> when given, else a fresh one.
    /// </summary>
    public async Task<KeyReservation?[]> ReserveAsync(
        IReadOnlyList<(string Key, string Fingerprint)> keys, IReadOnlyList<long> slots, IReadOnlyList<long>? retentionSeconds = null, IReadOnlyList<string?>? nonces = null)
    {
        var db = Db;
        var replies = new Task<RedisResult>[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            var nonce = nonces?[i] ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
            replies[i] = db.ScriptEvaluateAsync(SlotScripts.Reserve, [_keys.Idempotency(keys[i].Key)], [keys[i].Fingerprint, nonce, slots[i], retentionSeconds?[i] is > 0 and var own ? own : _retentionSeconds]);
        }

        await Task.WhenAll(replies).ConfigureAwait(false);
        if (_replicaAcks > 0)
        {
            // A reservation lost in a failover would let a retry schedule the key anew.
            var servers = keys.Select(k => redis.GetServer(_keys.Idempotency(k.Key))).DistinctBy(s => s.EndPoint).ToList();
            await Task.WhenAll(servers.Select(s => WaitForReplicasAsync(s, "reservation"))).ConfigureAwait(false);
        }

        return [.. replies.Select((r, i) => KeyReservation.Parse((string?)r.Result ?? "", keys[i].Fingerprint))];
    }

    /// <summary>
    /// Per minute of <paramref name="slots"/>, the id it stored under <paramref name="nonce"/>; where it stored
    /// nothing, the nonce is barred from it from now on (<see cref="SlotScripts.BarNonce"/>) and the answer is null.
    /// </summary>
    public async Task<MessageId?[]> BarNonceAsync(IReadOnlyList<long> slots, string nonce)
    {
        var db = Db;
        var replies = new Task<RedisResult>[slots.Count];
        for (var i = 0; i < slots.Count; i++)
        {
            replies[i] = db.ScriptEvaluateAsync(SlotScripts.BarNonce, [_keys.Nonces(slots[i])], [nonce, _retentionSeconds]);
        }

        await Task.WhenAll(replies).ConfigureAwait(false);
        return [.. replies.Select(r => MessageId.TryParse((string?)r.Result ?? "", out var id) ? id : (MessageId?)null)];
    }

    /// <summary>
    /// Points a reservation at a later minute, after <paramref name="from"/> marked its nonce as moved
    /// on; returns the minute it points at afterwards (another request may have moved it first), or
    /// <paramref name="to"/> when it expired meanwhile.
    /// </summary>
    public async Task<long> MoveReservationAsync(string key, string nonce, long from, long to)
    {
        var held = (string?)await Db.ScriptEvaluateAsync(SlotScripts.MoveReservation, [_keys.Idempotency(key)], [nonce, from, to]).ConfigureAwait(false);
        var bar = held?.LastIndexOf('|') ?? -1;
        return bar >= 0 && long.TryParse(held.AsSpan(bar + 1), CultureInfo.InvariantCulture, out var slot) ? slot : to;
    }
}
