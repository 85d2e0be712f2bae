namespace EchoAtTime.Storage;

/// <summary>
/// An idempotency key's reservation: every request under the key appends under <see cref="Nonce"/>,
/// to <see cref="Slot"/> first, so whichever of them comes first stores the message and the others
/// find its id (<see cref="SlotScripts.AppendKeyed"/>).
/// </summary>
public sealed record KeyReservation(string Nonce, long Slot)
{
    /// <summary>
    /// Parses "fingerprint|nonce|minute"; null when the key is held by a request with another fingerprint.
    /// </summary>
    public static KeyReservation? Parse(string held, string fingerprint)
    {
        var parts = held.Split('|');
        return parts.Length == 3 && parts[0] == fingerprint && long.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out var slot)
            ? new KeyReservation(parts[1], slot)
            : null;
    }
}
