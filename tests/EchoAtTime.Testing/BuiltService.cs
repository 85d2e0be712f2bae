using System.Reflection;

namespace EchoAtTime.Testing;

/// <summary>Where the built Silo and Gateway of this checkout are: what the tests and tools start.</summary>
public static class BuiltService
{
    public const string Silo = "Silo";

    public const string Gateway = "Gateway";

    /// <summary>
    /// The configuration this harness was built in, so a Release test or tool runs the Release product.
    /// </summary>
    public static string Configuration =>
        typeof(BuiltService).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } built ? built : "Release";

    /// <summary>
    /// The checkout: <paramref name="given"/>, else the first directory holding EchoAtTime.sln above this assembly,
    /// else above the current directory.
    /// </summary>
    public static string RepositoryRoot(string? given = null)
    {
        if (given is not null)
        {
            return Path.GetFullPath(given);
        }

        foreach (var start in (string[])[AppContext.BaseDirectory, Environment.CurrentDirectory])
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "EchoAtTime.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("No EchoAtTime.sln above this assembly or the current directory; name the checkout.");
    }

    /// <summary>
    /// <c>src/{project}/bin/{configuration}/net10.0/EchoAtTime.{project}.dll</c>; throws when it is not built.
    /// </summary>
    public static string Dll(string project, string? configuration = null, string? root = null)
    {
        configuration ??= Configuration;
        var path = Path.Combine(RepositoryRoot(root), "src", project, "bin", configuration, "net10.0", $"EchoAtTime.{project}.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"EchoAtTime.{project}.dll is not built for {configuration} (looked at {path}); run dotnet build -c {configuration} first.", path);
    }
}
