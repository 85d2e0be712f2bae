namespace EchoAtTime.Api.Schedules;

/// <summary>
/// What a schedule does with occurrences the cluster missed (down longer than
/// <see cref="EchoOptions.MisfireThreshold"/>).
/// </summary>
public enum MisfirePolicy
{
    /// <summary>Every missed occurrence, in order, due now (they print late).</summary>
    CatchUp,

    /// <summary>Only the last missed occurrence, due now.</summary>
    Latest,

    /// <summary>None: the next occurrence on time.</summary>
    Skip,
}

/// <summary>The policy's names as the API and the store spell them, and which occurrences it keeps.</summary>
public static class Misfire
{
    public static string Name(MisfirePolicy policy) => policy switch
    {
        MisfirePolicy.Latest => "latest",
        MisfirePolicy.Skip => "skip",
        _ => "catchUp",
    };

    public static bool TryParse(string? name, out MisfirePolicy policy)
    {
        policy = name switch
        {
            "catchUp" => MisfirePolicy.CatchUp,
            "latest" => MisfirePolicy.Latest,
            "skip" => MisfirePolicy.Skip,
            _ => (MisfirePolicy)(-1),
        };
        return Enum.IsDefined(policy);
    }
}
