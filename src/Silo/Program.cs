using Orleans.Dashboard;
using EchoAtTime.Api;
using EchoAtTime.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddEchoServices();

var app = builder.Build();
app.MapEchoApi();
app.MapOrleansDashboard(routePrefix: "dashboard").ExcludeFromDescription();
app.Run();
