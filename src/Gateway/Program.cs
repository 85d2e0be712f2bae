using EchoAtTime.Api;
using EchoAtTime.Gateway;

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrWhiteSpace(builder.Configuration[GatewayServicesExtensions.RedisKey]))
{
    await Console.Error.WriteLineAsync(
        "EchoAtTime.Gateway needs Redis:ConnectionString (env Redis__ConnectionString): it finds the silos through Redis. Exiting.");
    return 2;
}

builder.AddEchoServices();

var app = builder.Build();
app.MapEchoApi();
await app.RunAsync();
return 0;
