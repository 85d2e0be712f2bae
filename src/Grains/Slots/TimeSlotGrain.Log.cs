using Microsoft.Extensions.Logging;

namespace EchoAtTime.Grains.Slots;

public sealed partial class TimeSlotGrain
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Slot {Slot} loaded: {Pending} pending, {Printed} already printed, {Redelivered} to redeliver")]
    private partial void LogLoaded(long slot, int pending, int printed, int redelivered);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slot {Slot}: {Redelivered} message(s) stored before the store restarted or failed over, and due before it did, print flagged as redelivered: the store may have lost the record of their printing")]
    private partial void LogMayHaveLostCommits(long slot, int redelivered);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Slot {Slot} drained after {Printed} messages")]
    private partial void LogDrained(long slot, int printed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slot {Slot}: another activation owns this slot; this one stops printing")]
    private partial void LogFenced(long slot);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slot {Slot} hands over to another activation ({Reason})")]
    private partial void LogHandingOver(long slot, DeactivationReasonCode reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slot {Slot}: the console is given up; this activation prints nothing more and another silo takes the slot over")]
    private partial void LogConsoleGivenUp(Exception exception, long slot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slot {Slot}: store error, retrying")]
    private partial void LogStoreError(Exception exception, long slot);
}
