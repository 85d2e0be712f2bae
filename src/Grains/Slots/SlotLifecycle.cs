namespace EchoAtTime.Grains.Slots;

/// <summary>
/// Where one activation of a slot stands. The only moves are those <see cref="SlotLifecycle"/> allows.
/// </summary>
internal enum SlotPhase
{
    /// <summary>
    /// Its view is not (or no longer) read from Redis: far from due, just activated, or after an error.
    /// </summary>
    Unloaded,

    /// <summary>Its view matches Redis as far as this activation knows; it may print.</summary>
    Loaded,

    /// <summary>
    /// Nothing may join the minute any more (drained, or closed by a later minute); cleanup is pending.
    /// </summary>
    Closed,

    /// <summary>Cleanup is done (out of the index, reminder gone): the activation only waits to be collected.</summary>
    Finished,

    /// <summary>
    /// This activation must never print again: another one holds the fence, or this silo's console
    /// is given up. Appending stays safe (Redis enforces the floor); when Redis says the minute
    /// closed, it cleans up like any other.
    /// </summary>
    Stopped,
}

/// <summary>
/// The phase of one slot activation, with its transitions guarded: a move the design does not
/// allow is a bug, and fails loudly instead of printing what it must not.
/// </summary>
internal sealed class SlotLifecycle
{
    public SlotPhase Phase { get; private set; } = SlotPhase.Unloaded;

    public bool IsLoaded => Phase == SlotPhase.Loaded;

    /// <summary>Appends are still attempted: Redis refuses them itself once the minute is closed.</summary>
    public bool MayAppend => Phase is SlotPhase.Unloaded or SlotPhase.Loaded or SlotPhase.Stopped;

    /// <summary>Nothing is left for this activation to do but be collected.</summary>
    public bool IsOver => Phase is SlotPhase.Finished or SlotPhase.Stopped;

    public void Loaded() => MoveTo(SlotPhase.Loaded, from: [SlotPhase.Unloaded]);

    /// <summary>The view may no longer match Redis: read it again before printing.</summary>
    public void Unload()
    {
        if (Phase == SlotPhase.Loaded)
        {
            Phase = SlotPhase.Unloaded;
        }
    }

    public void Closed()
    {
        if (Phase != SlotPhase.Closed)
        {
            MoveTo(SlotPhase.Closed, from: [SlotPhase.Unloaded, SlotPhase.Loaded, SlotPhase.Stopped]);
        }
    }

    public void Finished() => MoveTo(SlotPhase.Finished, from: [SlotPhase.Closed]);

    public void Stopped() => MoveTo(SlotPhase.Stopped, from: [SlotPhase.Loaded]);

    private void MoveTo(SlotPhase next, SlotPhase[] from)
    {
        if (Array.IndexOf(from, Phase) < 0)
        {
            throw new InvalidOperationException($"A slot cannot move from {Phase} to {next}.");
        }

        Phase = next;
    }
}
