using EchoAtTime.Grains.Slots;

namespace EchoAtTime.Tests.Unit;

public sealed class SlotLifecycleTests
{
    [Fact]
    public void A_slot_loads_prints_closes_and_finishes_and_may_reload_while_open()
    {
        var life = new SlotLifecycle();
        Assert.True(life.MayAppend);
        life.Loaded();
        Assert.True(life.IsLoaded);
        life.Unload();
        Assert.Equal(SlotPhase.Unloaded, life.Phase);
        life.Loaded();
        life.Closed();
        Assert.False(life.MayAppend);
        life.Closed();
        life.Finished();
        Assert.True(life.IsOver);
    }

    [Fact]
    public void A_stopped_activation_never_loads_again_but_may_still_append_and_clean_up_a_closed_minute()
    {
        var life = new SlotLifecycle();
        life.Loaded();
        life.Stopped();

        Assert.True(life.IsOver);
        Assert.True(life.MayAppend);
        life.Unload();
        Assert.Equal(SlotPhase.Stopped, life.Phase);
        Assert.Throws<InvalidOperationException>(life.Loaded);
        life.Closed();
        Assert.Throws<InvalidOperationException>(life.Loaded);
        life.Finished();
    }

    [Fact]
    public void Moves_the_design_does_not_allow_fail()
    {
        Assert.Throws<InvalidOperationException>(new SlotLifecycle().Finished);
        Assert.Throws<InvalidOperationException>(new SlotLifecycle().Stopped);
        var closed = new SlotLifecycle();
        closed.Closed();
        Assert.Throws<InvalidOperationException>(closed.Loaded);
        var loaded = new SlotLifecycle();
        loaded.Loaded();
        Assert.Throws<InvalidOperationException>(loaded.Loaded);
    }
}
