using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace EchoAtTime.Api.Http;

/// <summary>
/// <c>/ui/</c>: the messages page, a static page (embedded in this assembly) over the JSON API, on
/// every silo and the gateway. Behind the API key like the dashboard: the browser asks for it as
/// the password of HTTP Basic auth and sends it with the page's calls.
/// </summary>
public static class MessagesPage
{
    public const string Path = "/ui";

    private static readonly Dictionary<string, (string ContentType, byte[] Content)> Files = Load();

    public static IEndpointRouteBuilder MapMessagesPage(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Path + "/{file?}", Serve).RequireApiKey().ExcludeFromDescription();
        return routes;
    }

    private static Results<FileContentHttpResult, RedirectHttpResult, NotFound> Serve(string? file, HttpRequest request)
    {
        // The page's files are named relative to it: /ui must become /ui/.
        if (file is null && !request.Path.Value!.EndsWith('/'))
        {
            return TypedResults.Redirect(Path + "/");
        }

        if (!Files.TryGetValue(file ?? "index.html", out var found))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.File(found.Content, found.ContentType);
    }

    private static Dictionary<string, (string, byte[])> Load()
    {
        const string prefix = "EchoAtTime.Api.Ui.";
        var assembly = typeof(MessagesPage).Assembly;
        var files = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var file = name[prefix.Length..];
            files[file] = (ContentType(file), copy.ToArray());
        }

        return files;
    }

    private static string ContentType(string file) => System.IO.Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };
}
