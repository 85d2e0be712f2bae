using EchoAtTime.Api.Hosting;
using EchoAtTime.Gateway;

// appsettings.json sits next to the binary, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (string.IsNullOrWhiteSpace(builder.Configuration[EchoHosting.RedisConnectionStringKey]))
{
    await Console.Error.WriteLineAsync(
        "EchoAtTime.Gateway needs Redis:ConnectionString (env Redis__ConnectionString): it finds the silos through Redis. Exiting.");
    return 2;
}

builder.AddEchoServices();

var app = builder.Build();
app.UseStatusCodePages(); // problem details for answers without a body (routing's 415 for a non-JSON Content-Type, 405)
app.UseEchoAccess();
app.MapEchoApi();
await app.RunAsync();
return 0;
