using System.Text.RegularExpressions;
using EchoAtTime.Testing;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// What the container files must keep (no Docker engine runs here; CI checks them with
/// <c>docker compose config -q</c>): the Redis Cluster's nodes never share a data file, its silos
/// and gateway wait for a replica, and the silo image has a place of its own for the embedded store.
/// </summary>
public sealed class ContainerFilesTests
{
    private static string Read(string path) => File.ReadAllText(Path.Combine(BuiltService.RepositoryRoot(), path));

    /// <summary>
    /// One service's block of a compose file: from its name to the next line at the same indentation.
    /// </summary>
    private static string Service(string compose, string name) =>
        Regex.Match(compose, $"(?ms)^  {Regex.Escape(name)}:\\n(.*?)(?=^  \\S|^\\S|\\z)").Groups[1].Value;

    [Fact]
    public void Each_Redis_Cluster_node_has_a_volume_of_its_own()
    {
        var compose = Read("docker-compose.cluster.yml");
        var volumes = Enumerable.Range(1, 6).Select(n => Regex.Match(Service(compose, $"redis-{n}"), @"- (\S+):/data").Groups[1].Value).ToList();

        Assert.All(volumes, v => Assert.NotEmpty(v));
        Assert.Equal(6, volumes.Distinct().Count());
        Assert.DoesNotContain("volumes:", Regex.Match(compose, @"(?ms)^x-redis-node:.*?(?=^services:)").Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("gateway")]
    public void Writers_on_the_Redis_Cluster_wait_for_a_replica(string service) =>
        Assert.Contains("Echo__ReplicaAcks: \"1\"", Service(Read("docker-compose.cluster.yml"), service), StringComparison.Ordinal);

    [Fact]
    public void The_silo_image_keeps_the_embedded_store_in_a_volume_the_app_user_owns()
    {
        var dockerfile = Read("src/Silo/Dockerfile");
        var final = dockerfile[dockerfile.LastIndexOf("FROM ", StringComparison.Ordinal)..];

        Assert.Contains("ENV Echo__DataDir=/data", final, StringComparison.Ordinal);
        Assert.Contains("VOLUME /data", final, StringComparison.Ordinal);
        Assert.Contains("chown $APP_UID /data", final, StringComparison.Ordinal);
        Assert.True(final.IndexOf("chown", StringComparison.Ordinal) < final.IndexOf("USER $APP_UID", StringComparison.Ordinal), "the directory is made before the image drops root");
    }
}
