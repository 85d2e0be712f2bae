using Orleans.Dashboard;
using EchoAtTime.Api;
using EchoAtTime.Silo;

// appsettings.json sits next to the binary, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddEchoServices();

var app = builder.Build();
app.RequireApiKeyUnder("/dashboard");
app.MapEchoApi();
app.MapOrleansDashboard(routePrefix: "dashboard").ExcludeFromDescription();
app.Run();
