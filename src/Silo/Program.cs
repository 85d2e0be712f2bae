using Orleans.Dashboard;
using EchoAtTime.Api.Hosting;
using EchoAtTime.Api.Http;
using EchoAtTime.Grains.Clock;
using EchoAtTime.Silo;

// appsettings.json sits next to the binary, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
try
{
    builder.AddEchoServices();
}
catch (StartRefusedException)
{
    Environment.ExitCode = 1; // logged where it was refused, as one critical line
    return;
}

var app = builder.Build();
if (await app.Services.GetRequiredService<StoreClockSync>().RefusalBeforeStartAsync(CancellationToken.None) is not null)
{
    Environment.ExitCode = 1;
    await app.DisposeAsync(); // flushes the critical line the refusal logged
    return;
}

app.UseStatusCodePages(); // problem details for answers without a body (routing's 415 for a non-JSON Content-Type, 405)
app.UseEchoAccess();
app.RequireApiKeyUnder("/dashboard");
app.MapEchoApi();
app.MapOrleansDashboard(routePrefix: "dashboard").ExcludeFromDescription();
await app.RunAsync();
