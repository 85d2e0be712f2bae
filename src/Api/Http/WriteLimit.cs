using System.Globalization;
using System.Threading.RateLimiting;
using EchoAtTime.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EchoAtTime.Api.Http;

/// <summary>
/// ASP.NET Core's rate limiter on the write endpoints: a token bucket per key, or per remote address
/// for requests without a valid key (so guessing keys is limited too), sized by <see cref="WriteLimitOptions"/>.
/// Past it: 429 with <c>Retry-After</c>. Loopback clients are not limited unless told to be.
/// </summary>
public static class WriteLimit
{
    public const string Policy = "writes";

    private const string Unlimited = "unlimited";

    public static IServiceCollection AddWriteLimit(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = OnRejectedAsync;
            o.AddPolicy(Policy, Partition);
        });

    /// <summary>Puts the endpoints behind the limit, and says so in the OpenAPI document.</summary>
    public static TBuilder LimitWrites<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(Policy).ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>Which bucket a request draws from: none, its key's, or its remote address's.</summary>
    public static RateLimitPartition<string> Partition(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var limits = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.RateLimit;
        var address = context.Connection.RemoteIpAddress;
        if (limits.PermitsPerSecond <= 0 || (!limits.OnLoopback && ProtectedMode.IsLoopback(address)))
        {
            return RateLimitPartition.GetNoLimiter(Unlimited);
        }

        // A key's place in the ring names its bucket: the key itself is kept nowhere.
        var key = context.RequestServices.GetRequiredService<ApiKeyRing>().Match(ApiKey.Presented(context.Request));
        var client = key >= 0 ? $"key {key}" : $"address {address?.ToString() ?? "none"}";
        return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limits.Burst),
            TokensPerPeriod = limits.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var limits = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.RateLimit;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.Zero;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        context.RequestServices.GetRequiredService<EchoMetrics>().Rejected(1, StatusCodes.Status429TooManyRequests);
        await TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many writes from this client; nothing was done. Retry after Retry-After seconds.",
            detail: $"Echo:RateLimit allows {limits.PermitsPerSecond} writes per second and bursts of {limits.Burst}, "
                + "per API key (per address without one).")
            .ExecuteAsync(context);
    }
}
