namespace EchoAtTime.Storage;

/// <summary>
/// The Lua scripts on a minute's keys and on idempotency keys' reservations: each the script of the like-named file
/// in <c>Scripts/</c>, whose header says why it is, its KEYS, ARGV and reply (the keys and meta fields of a minute:
/// <c>Scripts/README.md</c>). Each runs atomically, which is what makes the fence, the floor, cancel, close and drain
/// race-free. Sent with <c>ScriptEvaluateAsync</c>, which runs them by their SHA once the store knows them.
/// </summary>
internal static class SlotScripts
{
    /// <summary><c>Scripts/load.lua</c>: a minute's meta fields and first page, for its printer.</summary>
    public static readonly string Load = ScriptLibrary.Get("load");

    /// <summary><c>Scripts/commit.lua</c>: a printer's progress and its next batch, fenced.</summary>
    public static readonly string Commit = ScriptLibrary.Get("commit");

    /// <summary><c>Scripts/close.lua</c>: closes a minute whose messages are all done.</summary>
    public static readonly string Close = ScriptLibrary.Get("close");

    /// <summary><c>Scripts/drain.lua</c>: deletes a finished minute's list, fenced.</summary>
    public static readonly string Drain = ScriptLibrary.Get("drain");

    /// <summary><c>Scripts/status.lua</c>: what became of one message.</summary>
    public static readonly string Status = ScriptLibrary.Get("status");

    /// <summary><c>Scripts/cancel.lua</c>: cancels a message not yet printing.</summary>
    public static readonly string Cancel = ScriptLibrary.Get("cancel");

    /// <summary><c>Scripts/append.lua</c>: a group commit across minutes.</summary>
    public static readonly string Append = ScriptLibrary.Get("append");

    /// <summary><c>Scripts/appendKeyed.lua</c>: the append of messages with idempotency keys.</summary>
    public static readonly string AppendKeyed = ScriptLibrary.Get("appendKeyed");

    /// <summary><c>Scripts/reserve.lua</c>: an idempotency key's reservation.</summary>
    public static readonly string Reserve = ScriptLibrary.Get("reserve");

    /// <summary><c>Scripts/barNonce.lua</c>: what a minute stored under a nonce, or bars the nonce from it.</summary>
    public static readonly string BarNonce = ScriptLibrary.Get("barNonce");

    /// <summary><c>Scripts/moveReservation.lua</c>: moves a reservation on to a later minute.</summary>
    public static readonly string MoveReservation = ScriptLibrary.Get("moveReservation");

    /// <summary><c>Scripts/moveOut.lua</c>: takes a message out of its minute for a reschedule.</summary>
    public static readonly string MoveOut = ScriptLibrary.Get("moveOut");

    /// <summary><c>Scripts/moveDone.lua</c>: records where a moved message arrived.</summary>
    public static readonly string MoveDone = ScriptLibrary.Get("moveDone");

    /// <summary><c>Scripts/moveAbort.lua</c>: calls a reschedule attempt off.</summary>
    public static readonly string MoveAbort = ScriptLibrary.Get("moveAbort");

    /// <summary><c>Scripts/browse.lua</c>: a minute for a listing.</summary>
    public static readonly string Browse = ScriptLibrary.Get("browse");

    /// <summary><c>Scripts/summary.lua</c>: a minute's counts for the messages page.</summary>
    public static readonly string Summary = ScriptLibrary.Get("summary");
}
