using System.Globalization;

namespace EchoAtTime.Tests.Infrastructure;

/// <summary>
/// Starts the built Silo or Gateway for a test: the shared <see cref="ServiceProcess"/> on a fresh loopback port, in a
/// temp dir.
/// </summary>
public static class TestService
{
    /// <summary>EchoAtTime.Silo.dll, built in this test assembly's configuration.</summary>
    public static string SiloDll => BuiltService.Dll(BuiltService.Silo);

    /// <summary>EchoAtTime.Gateway.dll, built in this test assembly's configuration.</summary>
    public static string GatewayDll => BuiltService.Dll(BuiltService.Gateway);

    /// <summary>
    /// A silo's environment in a test deployment: the store, the cluster id, its own silo and
    /// gateway ports, JSON output; then <paramref name="settings"/> on top.
    /// </summary>
    public static Dictionary<string, string> SiloEnvironment(string redisConnectionString, string clusterId, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["Redis__ConnectionString"] = redisConnectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__SiloPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Echo__Output"] = "json",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return WithStoreSettings(environment);
    }

    /// <summary>
    /// <paramref name="environment"/> with what the run's store needs
    /// (<see cref="StoreProcess.DefaultServiceSettings"/>: on Garnet, weak durability accepted) where it does not say
    /// otherwise.
    /// </summary>
    public static Dictionary<string, string> WithStoreSettings(IReadOnlyDictionary<string, string> environment)
    {
        var merged = new Dictionary<string, string>(environment);
        foreach (var (key, value) in StoreProcess.DefaultServiceSettings)
        {
            merged.TryAdd(key, value);
        }

        return merged;
    }

    /// <summary>
    /// <c>dotnet {dll} --urls http://127.0.0.1:PORT</c> with <paramref name="environment"/>; stdout read line by line.
    /// </summary>
    public static ServiceProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, params string[] extraArgs) =>
        Start(name, dll, environment, readStdout: true, extraArgs);

    /// <param name="readStdout">False leaves the stdout pipe unread: once it is full the service's writes block, a
    /// stuck console.</param>
    public static ServiceProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, bool readStdout, params string[] extraArgs) =>
        ServiceProcess.Start(new ServiceLaunch(name, dll, new Uri($"http://127.0.0.1:{RedisServer.FreePort().ToString(CultureInfo.InvariantCulture)}/"))
        {
            Environment = WithStoreSettings(environment),
            ExtraArgs = extraArgs,
            Stdout = readStdout ? StdoutHandling.Read : StdoutHandling.Unread,
        });
}
