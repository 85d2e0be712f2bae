namespace EchoAtTime.Storage;

/// <summary>
/// The scripts of the index of pending minutes (<see cref="PendingIndex"/>), each the script of the like-named file
/// in <c>Scripts/</c>. Atomic, so an hour is in the ZSET of hours exactly while it has a minute indexed, and the
/// count is the number of minutes indexed.
/// </summary>
internal static class PendingIndexScripts
{
    /// <summary><c>Scripts/pendingIndexAdd.lua</c>: indexes the minutes a group commit wrote to.</summary>
    public static readonly string Add = ScriptLibrary.Get("pendingIndexAdd");

    /// <summary><c>Scripts/pendingIndexRemove.lua</c>: takes a minute, and its hour with its last, out.</summary>
    public static readonly string Remove = ScriptLibrary.Get("pendingIndexRemove");
}
