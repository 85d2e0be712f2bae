using System.Security.Cryptography;
using System.Text;
using EchoAtTime.Api.Hosting;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Http;

/// <summary>
/// The keys this process accepts: <c>Echo:ApiKey</c> and every <c>Echo:ApiKeys</c> entry. Only their
/// SHA-256 digests are kept, and a key given is compared with every one of them in constant time, so
/// neither the time of an answer nor a memory dump tells a key, its length, or how close a guess came.
/// </summary>
public sealed class ApiKeyRing
{
    private readonly byte[][] _digests;

    public ApiKeyRing(IOptions<ApiOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var api = options.Value;
        _digests = [.. api.ApiKeys.Prepend(api.ApiKey)
            .Where(key => !string.IsNullOrEmpty(key))
            .Distinct(StringComparer.Ordinal)
            .Select(key => Digest(key!))];
    }

    /// <summary>No key configured: the key check lets everything through (protected mode decides).</summary>
    public bool IsEmpty => _digests.Length == 0;

    public int Count => _digests.Length;

    /// <summary>Which key <paramref name="given"/> is (its place in the ring), or -1 when it is none of them.</summary>
    public int Match(string given)
    {
        ArgumentNullException.ThrowIfNull(given);
        var digest = Digest(given);
        var found = -1;
        for (var i = 0; i < _digests.Length; i++)
        {
            // Every key is compared, matched or not: the time does not depend on which one matched.
            var same = CryptographicOperations.FixedTimeEquals(digest, _digests[i]);
            found = same ? i : found;
        }

        return found;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
