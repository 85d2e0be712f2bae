using EchoAtTime.Api.Accept;
using EchoAtTime.Storage;

namespace EchoAtTime.Tests.Unit;

public sealed class MoveRecordTests
{
    [Fact]
    public void A_leave_record_names_the_attempt_that_took_the_message_and_one_written_before_attempts_were_recorded_reads_without()
    {
        var entry = new SlotEntry(59_946, "m|9", 0);

        var current = MoveRecord.Parse("P1893456104118/120740738bc684cc|59946|m|9");
        var legacy = MoveRecord.Parse("P1893456104118|59946|m|9");

        Assert.Equal(new MoveRecord(MoveStep.Leaving, 1893456104118, entry) { Attempt = "120740738bc684cc" }, current);
        Assert.Equal(new MoveRecord(MoveStep.Leaving, 1893456104118, entry), legacy);
        Assert.NotEqual(MessageMover.ArrivalKey(new MessageId(1, 0, "aaaaaaaa"), current.Attempt), MessageMover.ArrivalKey(new MessageId(1, 0, "aaaaaaaa"), legacy.Attempt));
    }
}
