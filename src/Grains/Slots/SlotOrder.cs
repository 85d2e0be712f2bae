using EchoAtTime.Storage;
using Microsoft.Extensions.Logging;

namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Order across minutes: a slot prints only when no earlier slot holds unprinted messages. It
/// closes the previous minute (so nothing can still join it), closes fully printed earlier slots
/// on their owner's behalf, and pokes one still printing, waiting for it to poke back. Once clear
/// it stays clear: nothing new can be due in a closed minute, and older minutes take no appends
/// once they are over by the store's clock (<see cref="EchoOptions.AppendGrace"/>), which is before
/// this one can print.
/// </summary>
internal sealed partial class SlotOrder(long slot, SlotStore store, IGrainFactory grains, ILogger logger)
{
    /// <summary>No earlier slot holds messages any more.</summary>
    public bool Cleared { get; private set; }

    /// <summary>The last check found an earlier slot still printing.</summary>
    public bool Waiting { get; private set; }

    /// <summary>True once no earlier slot holds messages; otherwise pokes the earliest and answers false.</summary>
    public async Task<bool> TryClearAsync()
    {
        if (Cleared)
        {
            return true;
        }

        // The minute before holds unprinted messages when it cannot close: it comes first whether the index knows
        // it or not (its entry lost in a failover, say), so it is indexed again for the sweep to find.
        long? before = null;
        if (!await store.CloseAsync(slot - 1))
        {
            before = slot - 1;
            await store.IndexAsync(slot - 1);
        }

        while (true)
        {
            var earliest = await store.EarliestPendingAsync(slot - 1) ?? before;
            if (earliest == before)
            {
                before = null;
            }

            if (earliest is null)
            {
                (Cleared, Waiting) = (true, false);
                return true;
            }

            var earlier = grains.GetGrain<ITimeSlotGrain>(earliest.Value);
            if (await store.CloseAsync(earliest.Value))
            {
                await store.RemoveFromIndexAsync(earliest.Value);
                earlier.Wake().Ignore();
                continue;
            }

            LogWaitingForEarlierSlot(logger, slot, earliest.Value);
            earlier.Wake().Ignore();
            Waiting = true;
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Slot {Slot} waits for earlier slot {Earlier}")]
    private static partial void LogWaitingForEarlierSlot(ILogger logger, long slot, long earlier);
}
