using EchoAtTime.Storage;

namespace EchoAtTime.Tests.Cluster;

/// <summary>
/// "503 means not carried out": when one store call of a request fails, only its messages answer 503, and
/// what the other calls stored answers as stored — a client without an idempotency key would otherwise send
/// a stored message again. The keyed call is made to fail for real: its minute's nonce hash is a string, so
/// its script stops with WRONGTYPE, while the plain append to the same minute never reads that key.
/// </summary>
[Collection(SlotClusterFixture.Name)]
public sealed class PartialFailureTests(SlotClusterFixture fixture)
{
    [Fact]
    public async Task A_failed_keyed_append_answers_unavailable_for_its_messages_alone_while_the_plain_ones_of_the_call_are_stored()
    {
        // Far enough ahead that nothing of it prints while the test looks.
        var slot = TimeSlot.Of(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) + Random.Shared.Next(3_000, 90_000);
        var keys = new RedisKeys(fixture.Options.KeyPrefix);
        await fixture.Multiplexer.GetDatabase().StringSetAsync(keys.Nonces(slot), "not a hash");
        var due = TimeSlot.StartMs(slot) + 1_000;
        var tag = Guid.NewGuid().ToString("N");

        var results = await fixture.Writer.WriteAsync(
        [
            new ScheduleRequest(due, $"{tag} plain 1"),
            new ScheduleRequest(due + 1, $"{tag} keyed", IdempotencyKey: $"{tag}-key", Fingerprint: "fp"),
            new ScheduleRequest(due + 2, $"{tag} plain 2"),
        ]);

        Assert.Equal([ScheduleOutcome.Accepted, ScheduleOutcome.Unavailable, ScheduleOutcome.Accepted], results.Select(r => r.Outcome));
        Assert.Equal(MessageStatus.Scheduled, await fixture.Store.StatusAsync(results[0].Id));
        Assert.Equal(MessageStatus.Scheduled, await fixture.Store.StatusAsync(results[2].Id));
    }
}
