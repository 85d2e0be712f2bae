namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// For stores that set up what an earlier run left, or that test the scripts' other rules on minutes long past: the
/// store refuses appends to a minute once it is over by the store's clock (<see cref="EchoOptions.AppendGrace"/>),
/// which a writer at the time would not have met. The products under test keep the default.
/// </summary>
public static class EarlierRun
{
    /// <summary>
    /// An <see cref="EchoOptions.AppendGrace"/> under which every minute, however old, takes appends.
    /// </summary>
    public static TimeSpan AnyMinute { get; } = TimeSpan.FromDays(36_500);
}
