using Microsoft.Extensions.Logging;

namespace EchoAtTime.Grains.Slots;

/// <summary>What the print loop reports: one line per batch whose messages expired unprinted.</summary>
internal sealed partial class SlotPrinterLog(ILogger logger)
{
    public void Expired(long slot, int count, MessageId first, long lateMs) => LogExpired(logger, slot, count, first.ToString(), lateMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slot {Slot}: {Count} message(s) expired unprinted, past their due time plus expireAfter; the first, {FirstId}, was {LateMs} ms overdue")]
    private static partial void LogExpired(ILogger logger, long slot, int count, string firstId, long lateMs);
}
