using System.Globalization;

namespace EchoAtTime.Testing;

/// <summary>
/// libfaketime, as the chaos tool's <c>--clock-steps</c> and the tests run a process under it: its wall clock is read
/// from a timestamp file of its own (an offset such as <c>+3s</c>, re-read every second), its monotonic clock is left
/// alone (a real clock step, or a machine's clock that is simply wrong, moves the wall clock only). The same setup as
/// <c>tools/clock-step-drill.sh</c>.
/// </summary>
public static class Faketime
{
    /// <summary>Where Debian's <c>faketime</c> package puts the library, for any architecture.</summary>
    private const string LibraryGlob = "/usr/lib/*/faketime/libfaketime.so.1";

    /// <summary>The installed library, or null: the clock fault cannot be injected without it.</summary>
    public static string? LibraryPath()
    {
        const string libDir = "/usr/lib";
        if (!Directory.Exists(libDir))
        {
            return null;
        }

        return Directory.EnumerateDirectories(libDir)
            .Select(arch => Path.Combine(arch, "faketime", "libfaketime.so.1"))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The library, or the reason what <paramref name="neededBy"/> names cannot be carried out.</summary>
    public static string RequireLibrary(string neededBy) => LibraryPath()
        ?? throw new InvalidOperationException(
            $"{neededBy} needs libfaketime, which is not installed here (no {LibraryGlob}; Debian: apt-get install faketime).");

    /// <summary>
    /// What a process needs in its environment to read its wall clock from <paramref name="timestampFile"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Environment(string library, string timestampFile) => new Dictionary<string, string>
    {
        ["LD_PRELOAD"] = library,
        ["FAKETIME_TIMESTAMP_FILE"] = timestampFile,
        ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        ["FAKETIME_CACHE_DURATION"] = "1",
    };

    /// <summary>
    /// Sets the offset the process's wall clock reads from now on (within a second: the cache duration).
    /// </summary>
    public static Task SetOffsetAsync(string timestampFile, int seconds) =>
        File.WriteAllTextAsync(timestampFile, seconds == 0 ? "+0\n" : seconds.ToString("+0;-0", CultureInfo.InvariantCulture) + "s\n");
}
