using System.CommandLine;

namespace EchoAtTime.Testing;

/// <summary>
/// The first steps of every tool's Main: parse, and stop at once for bad arguments, --help or --version.
/// </summary>
public static class ToolCommandLine
{
    /// <summary>Exit code for arguments the tool cannot use.</summary>
    public const int BadArguments = 2;

    /// <summary>
    /// Parses <paramref name="args"/>; returns the result and null to go on, or the exit code to
    /// return now: <see cref="BadArguments"/> after printing each error to stderr, or what --help
    /// or --version returned (the root has no action of its own, so any action is one of those).
    /// </summary>
    public static async Task<(ParseResult Parsed, int? ExitNow)> ParseAsync(RootCommand root, string[] args, string tool)
    {
        ArgumentNullException.ThrowIfNull(root);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync(error.Message);
            }

            await Console.Error.WriteLineAsync($"{tool}: see --help");
            return (parsed, BadArguments);
        }

        return parsed.Action is null ? (parsed, null) : (parsed, await parsed.InvokeAsync());
    }
}
