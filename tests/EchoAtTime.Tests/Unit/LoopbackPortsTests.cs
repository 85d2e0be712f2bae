using System.Globalization;

namespace EchoAtTime.Tests.Unit;

public sealed class LoopbackPortsTests
{
    /// <summary>
    /// The suite's tools run as processes with allocators of their own: a silo restarted beside the bench smoke run
    /// found its port taken ("address already in use"). A port whose lock file another holder has is skipped.
    /// </summary>
    [Fact]
    public void A_port_whose_lock_another_process_holds_is_never_handed_out()
    {
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        var dir = Path.Combine(Path.GetTempPath(), "echo-ports");
        Directory.CreateDirectory(dir);

        // The first port a seed's allocator would try, held as another process would hold it (flock is per open
        // file, so a second open in this process conflicts too); a seed whose port this process already holds is
        // passed over.
        FileStream? held = null;
        int seed = 0, first = 0;
        while (held is null)
        {
            seed = Random.Shared.Next();
            first = new Random(seed).Next(10_000, ephemeralLow > 11_000 ? ephemeralLow : 32_768);
            try
            {
                held = new FileStream(Path.Combine(dir, first.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
            }
        }

        using var _ = held;
        var given = new LoopbackPorts(new Random(seed)).Next();

        Assert.NotEqual(first, given);
    }
}
