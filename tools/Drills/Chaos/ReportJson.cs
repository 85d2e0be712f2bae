using System.Text.Json;
using System.Text.Json.Serialization;

namespace EchoAtTime.Chaos;

/// <summary>The report as JSON (camelCase, indented), for scripts and for comparing runs.</summary>
public static class ReportJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(ChaosReport report) => JsonSerializer.Serialize(report, Options);

    public static async Task WriteAsync(ChaosReport report, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        await File.WriteAllTextAsync(path, Serialize(report));
    }
}
