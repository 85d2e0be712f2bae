using System.Runtime.InteropServices;

namespace EchoAtTime.Bench;

/// <summary>What the figures were measured on.</summary>
public sealed record MachineInfo(int Cores, string CpuModel, string Os, string Dotnet, string RedisVersion, string AppendFsync, string LoadAverage)
{
    public static MachineInfo Read(string redisVersion, string appendFsync) => new(
        Environment.ProcessorCount,
        ReadCpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        redisVersion,
        appendFsync,
        LoadAverageNow());

    /// <summary>1, 5 and 15 minute load averages: other load on the machine makes figures noisy.</summary>
    public static string LoadAverageNow() => ReadOr("/proc/loadavg", text => string.Join(' ', text.Split(' ').Take(3)));

    private static string ReadCpuModel() => ReadOr("/proc/cpuinfo", text => text.Split('\n')
        .Where(line => line.StartsWith("model name", StringComparison.Ordinal))
        .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
        .FirstOrDefault() ?? "unknown");

    private static string ReadOr(string path, Func<string, string> read)
    {
        try
        {
            return read(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
