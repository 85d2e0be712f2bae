using System.Globalization;
using System.Text.RegularExpressions;

namespace EchoAtTime.Bench;

/// <summary>
/// The scale scenario's invariants, checked on the store because nothing comes due while it runs. An
/// id <c>&lt;dueMs&gt;-…-&lt;seq&gt;</c> names element <c>seq</c> of its minute's list
/// <c>echo:{s:&lt;minute&gt;}:l</c> (src/Storage/RedisKeys.cs; the silos run with the default key
/// prefix), an element <c>&lt;offset ms in the minute&gt;|&lt;text&gt;</c>, the first one with
/// <c>:&lt;epoch&gt;</c> after the offset (src/Storage/SlotElement.cs).
/// Every accepted id must name an element the store holds, with its due time; no two ids may name one
/// element; and the lists may hold no element that no accepted id names — together: what was accepted
/// is exactly what the store holds. Every list is read whole (LRANGE pages), so every id is checked.
/// </summary>
/// <param name="Lists">Minute lists found.</param>
/// <param name="Elements">Their elements (the sum of their lengths).</param>
/// <param name="Named">Elements exactly one accepted id names.</param>
/// <param name="NotHeld">Accepted ids naming no element, or one of another due time.</param>
/// <param name="NamedTwice">Accepted ids naming an element an earlier id already named (or the same id answered
/// twice).</param>
/// <param name="Evidence">The first few examples of each violation.</param>
public sealed partial record StoreCheck(int Lists, long Elements, long Named, long NotHeld, long NamedTwice, IReadOnlyList<string> Evidence)
{
    private const long MinuteMs = 60_000;
    private const int PageSize = 1_000;
    private const int EvidenceKept = 5;

    /// <summary>Elements no accepted id names: a message stored whose answer never arrived, or worse.</summary>
    public long Unnamed => Elements - Named;

    public bool Holds => NotHeld == 0 && NamedTwice == 0 && Unnamed == 0;

    /// <summary>
    /// Reads every minute list and checks <paramref name="accepted"/> (every id answered 202, repeats included) against
    /// it.
    /// </summary>
    public static async Task<StoreCheck> RunAsync(RedisStats stats, IReadOnlyCollection<MessageKey> accepted)
    {
        var offsets = new Dictionary<long, int[]>();
        foreach (var key in await stats.KeysAsync())
        {
            if (MessagesKey().Match(key) is { Success: true } match)
            {
                offsets[long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)] = await OffsetsAsync(stats, key);
            }
        }

        var named = offsets.ToDictionary(o => o.Key, o => new bool[o.Value.Length]);
        var evidence = new List<string>();
        long held = 0, notHeld = 0, twice = 0;
        foreach (var id in accepted)
        {
            var minute = Math.DivRem(id.DueMs, MinuteMs, out var offset);
            if (!offsets.TryGetValue(minute, out var list) || id.Seq >= list.Length || list[id.Seq] != offset)
            {
                if (notHeld++ < EvidenceKept)
                {
                    var found = list is not null && id.Seq < list.Length
                        ? string.Create(CultureInfo.InvariantCulture, $", element {id.Seq} is due at offset {list[id.Seq]} ms, not {offset}")
                        : "";
                    evidence.Add(string.Create(CultureInfo.InvariantCulture, $"not in the store: {id} (minute {minute}'s list has {list?.Length ?? 0} elements{found})"));
                }
            }
            else if (named[minute][id.Seq])
            {
                if (twice++ < EvidenceKept)
                {
                    evidence.Add(string.Create(CultureInfo.InvariantCulture, $"named twice: element {id.Seq} of minute {minute}, by {id}"));
                }
            }
            else
            {
                named[minute][id.Seq] = true;
                held++;
            }
        }

        var elements = offsets.Values.Sum(l => (long)l.Length);
        if (elements > held)
        {
            var (minute, flags) = named.OrderBy(n => n.Key).First(n => n.Value.Contains(false));
            evidence.Add(string.Create(CultureInfo.InvariantCulture,
                $"stored, not accepted: {elements - held} elements no accepted id names (first: element {Array.IndexOf(flags, false)} of minute {minute})"));
        }

        return new StoreCheck(offsets.Count, elements, held, notHeld, twice, evidence);
    }

    /// <summary>
    /// The print checks (nothing may have printed: anything printed was early) joined with these:
    /// lost = accepted ids the store does not hold, duplicates also count ids naming an element twice.
    /// </summary>
    public Integrity ApplyTo(Integrity printed) => printed with
    {
        Lost = NotHeld,
        Duplicates = printed.Duplicates + NamedTwice,
        StoredNotAccepted = Unnamed,
        Evidence = [.. printed.Evidence, .. Evidence],
    };

    /// <summary>Each element's offset (ms within the minute), -1 for one that is not <c>&lt;offset&gt;|…</c>.</summary>
    private static async Task<int[]> OffsetsAsync(RedisStats stats, string key)
    {
        var offsets = new List<int>();
        for (long start = 0; ; start += PageSize)
        {
            var page = await stats.ListRangeAsync(key, start, start + PageSize - 1);
            offsets.AddRange(page.Select(element =>
            {
                // A minute's first element carries the store epoch after its offset: "offset:epoch|text".
                var end = element.AsSpan().IndexOfAny(':', '|');
                return end > 0 && int.TryParse(element.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : -1;
            }));
            if (page.Length < PageSize)
            {
                return [.. offsets];
            }
        }
    }

    [GeneratedRegex(@"^echo:\{s:(\d+)\}:l$", RegexOptions.CultureInvariant)]
    private static partial Regex MessagesKey();
}
