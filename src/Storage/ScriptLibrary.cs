using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace EchoAtTime.Storage;

/// <summary>
/// The Lua scripts as sent to the store, from the <c>.lua</c> files embedded from <c>Scripts/</c> (its README says
/// how they are written). A file's <c>--- @include "includes/x"</c> lines are replaced by that include's code: each
/// include once per script, where it is first named, its own includes first. Its leading comment header is left
/// out: the text goes over the wire on every script cache miss, and the header changes nothing Redis runs.
/// </summary>
internal static partial class ScriptLibrary
{
    private const string Prefix = "EchoAtTime.Storage.Scripts.";
    private const string Suffix = ".lua";
    private static readonly ConcurrentDictionary<string, string> Resolved = new(StringComparer.Ordinal);

    /// <summary>The script of <c>Scripts/{name}.lua</c> with its includes, read once per process.</summary>
    public static string Get(string name) => Resolved.GetOrAdd(name, static n => Resolve(n, new HashSet<string>()));

    /// <summary>Every file's name: the scripts' (<c>commit</c>) and the includes' (<c>includes/receipt</c>).</summary>
    public static IEnumerable<string> Names() => typeof(ScriptLibrary).Assembly.GetManifestResourceNames()
        .Where(resource => resource.StartsWith(Prefix, StringComparison.Ordinal))
        .Where(resource => resource.EndsWith(Suffix, StringComparison.Ordinal))
        .Select(resource => resource[Prefix.Length..^Suffix.Length].Replace('.', '/'))
        .Order(StringComparer.Ordinal);

    /// <summary>A file as written (<c>includes/x</c> names an include), header and include lines and all.</summary>
    public static string Source(string name)
    {
        var resource = Prefix + name.Replace('/', '.') + Suffix;
        using var stream = typeof(ScriptLibrary).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"No Lua script {name} (embedded resource {resource}).");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }

    private static string Resolve(string name, HashSet<string> included)
    {
        var code = new List<string>();
        foreach (var line in Code(Source(name)))
        {
            var include = IncludeLine().Match(line);
            if (!include.Success)
            {
                code.Add(line);
            }
            else if (included.Add(include.Groups[1].Value))
            {
                code.Add(Resolve(include.Groups[1].Value, included));
            }
        }

        return string.Join('\n', code);
    }

    /// <summary>A file's lines after its header (its leading comment lines), without blank lines at its ends.</summary>
    private static string[] Code(string source)
    {
        var lines = source.Split('\n');
        var start = 0;
        while (start < lines.Length && IsHeader(lines[start]))
        {
            start++;
        }

        while (start < lines.Length && lines[start].Trim().Length == 0)
        {
            start++;
        }

        var end = lines.Length;
        while (end > start && lines[end - 1].Trim().Length == 0)
        {
            end--;
        }

        return lines[start..end];
    }

    private static bool IsHeader(string line) =>
        line.StartsWith("--", StringComparison.Ordinal) && !IncludeLine().IsMatch(line);

    [GeneratedRegex("""^---\s*@include\s+"([^"]+)"\s*$""")]
    private static partial Regex IncludeLine();
}
