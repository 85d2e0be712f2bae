namespace EchoAtTime.Storage;

/// <summary>
/// Where a reschedule of one message stands, as the minute it leaves records it (see
/// <c>Scripts/includes/moveRecord.lua</c>).
/// </summary>
public enum MoveStep
{
    /// <summary>No such message (or its record expired), or its minute is finished with no move recorded.</summary>
    Unknown,

    /// <summary>Printed, or in the batch being printed: it stays where it is.</summary>
    Printed,

    Canceled,
    Expired,

    /// <summary>
    /// This attempt was called off before it took the message (a recovery found it unfinished): try again.
    /// </summary>
    Aborted,

    /// <summary>Taken out of its minute, not yet known to have arrived at <see cref="MoveRecord.NewDueMs"/>.</summary>
    Leaving,

    /// <summary>Arrived: it is <see cref="MoveRecord.NewId"/> now.</summary>
    Arrived,

    /// <summary>
    /// It stays where it was (the store lost the leave, and it printed there or may have): the arrival
    /// <see cref="MoveRecord.NewId"/> is to be called off.
    /// </summary>
    ArrivalCalledOff,
}

/// <summary>
/// A move record: a <see cref="MoveStep.Leaving"/> one carries the new due time and the message as
/// it was stored (text and deadline), so anyone can finish the move from it alone, and the attempt that took it.
/// </summary>
public sealed record MoveRecord(MoveStep Step, long NewDueMs = 0, SlotEntry Entry = default, MessageId? NewId = null)
{
    /// <summary>
    /// The nonce of the attempt that took the message (<see cref="MoveStep.Leaving"/>): its arrival is stored under a
    /// key of that attempt's own, so an attempt called off never stands in the way of a later one. Null in a record
    /// written before records carried it.
    /// </summary>
    public string? Attempt { get; init; }

    /// <summary>The record of an arrival: <c>D{due as asked}|{new id}</c>.</summary>
    public static string Arrival(long newDueMs, MessageId newId) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"D{newDueMs}|{newId}");

    /// <summary>
    /// Reads <c>P{due}/{nonce}|{element}</c> (or <c>P{due}|{element}</c>), <c>D{due}|{id}</c> or <c>C{due}|{id}</c>.
    /// </summary>
    public static MoveRecord Parse(string record)
    {
        var bar = record.IndexOf('|', StringComparison.Ordinal);
        var slash = bar > 1 && record[0] == 'P' ? record.IndexOf('/', 1, bar - 1) : -1;
        var dueEnd = slash > 0 ? slash : bar;
        if (bar > 1 && long.TryParse(record.AsSpan(1, dueEnd - 1), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var due))
        {
            if (record[0] == 'P')
            {
                return new MoveRecord(MoveStep.Leaving, due, SlotElement.Read(record[(bar + 1)..])) { Attempt = slash > 0 ? record[(slash + 1)..bar] : null };
            }

            if (record[0] is 'D' or 'C' && MessageId.TryParse(record[(bar + 1)..], out var id))
            {
                return new MoveRecord(record[0] == 'D' ? MoveStep.Arrived : MoveStep.ArrivalCalledOff, due, NewId: id);
            }
        }

        throw new FormatException($"Not a move record: '{record}'.");
    }
}

/// <summary>
/// A reschedule under way, kept apart from any minute (<see cref="RedisKeys.MoveIntents"/>) from
/// before it takes the message until it arrived, so that any process can finish (or call off) one
/// whose process died in the middle. Member text: <c>{old id}|{new due ms}|{nonce}</c>.
/// </summary>
public readonly record struct MoveIntent(MessageId Id, long NewDueMs, string Nonce)
{
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Id}|{NewDueMs}|{Nonce}");

    public static bool TryParse(string text, out MoveIntent intent)
    {
        intent = default;
        var parts = text.Split('|');
        if (parts.Length != 3 || !MessageId.TryParse(parts[0], out var id)
            || !long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var due))
        {
            return false;
        }

        intent = new MoveIntent(id, due, parts[2]);
        return true;
    }

    public static MoveIntent New(MessageId id, long newDueMs) =>
        new(id, newDueMs, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)));
}
