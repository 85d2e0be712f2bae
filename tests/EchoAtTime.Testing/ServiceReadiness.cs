using System.Diagnostics;
using System.Net;

namespace EchoAtTime.Testing;

/// <summary>How the tools start a built service and see it ready; shared by the chaos and bench tools.</summary>
public static class ServiceReadiness
{
    /// <summary>
    /// The <c>dotnet</c> host running this tool (so tests and tools use the same one), else the one on the PATH.
    /// </summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// Polls <c>GET /health/ready</c> until it answers 200. False on timeout or if the process exits first.
    /// </summary>
    public static async Task<bool> WaitUntilReadyAsync(Process process, HttpClient probe, Uri baseUrl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ready = new Uri(baseUrl, "health/ready");
        var answered = await Conditions.WaitUntilAsync(
            async token =>
            {
                if (process.HasExited)
                {
                    return true;
                }

                try
                {
                    using var response = await probe.GetAsync(ready, token);
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    // The probe's own timeout; try again.
                    return false;
                }
            },
            timeout,
            cancellationToken);
        return answered && !process.HasExited;
    }
}
