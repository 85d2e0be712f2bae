namespace EchoAtTime.Storage;

/// <summary>
/// A position in a slot's print order (due offset, then sequence) packed into one number, so the
/// fence can say "printed through here" with a single field. -1 means nothing yet.
/// </summary>
public static class SlotCursor
{
    public const long None = -1;

    public static long Of(int offsetMs, int seq) => ((long)offsetMs << 32) | (uint)seq;

    public static int OffsetOf(long cursor) => cursor < 0 ? 0 : (int)(cursor >> 32);
}
