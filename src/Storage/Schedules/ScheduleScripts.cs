namespace EchoAtTime.Storage;

/// <summary>
/// The scripts on a schedule's hash and on the schedules' due index: each the like-named file in <c>Scripts/</c>.
/// </summary>
internal static class ScheduleScripts
{
    /// <summary><c>Scripts/scheduleCreate.lua</c>: a schedule's hash, once.</summary>
    public static readonly string Create = ScriptLibrary.Get("scheduleCreate");

    /// <summary><c>Scripts/scheduleReserve.lua</c>: a create request's idempotency key.</summary>
    public static readonly string Reserve = ScriptLibrary.Get("scheduleReserve");

    /// <summary><c>Scripts/scheduleClaim.lua</c>: due schedules, leased to the caller.</summary>
    public static readonly string Claim = ScriptLibrary.Get("scheduleClaim");

    /// <summary><c>Scripts/schedulePlan.lua</c>: the occurrences a materialisation is about to append.</summary>
    public static readonly string Plan = ScriptLibrary.Get("schedulePlan");

    /// <summary><c>Scripts/scheduleCommit.lua</c>: a materialisation's appended occurrences.</summary>
    public static readonly string Commit = ScriptLibrary.Get("scheduleCommit");

    /// <summary><c>Scripts/scheduleStop.lua</c>: pause or delete, and what to cancel.</summary>
    public static readonly string Stop = ScriptLibrary.Get("scheduleStop");

    /// <summary><c>Scripts/scheduleResume.lua</c>: a paused schedule from now.</summary>
    public static readonly string Resume = ScriptLibrary.Get("scheduleResume");
}
