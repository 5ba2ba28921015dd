using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentGym.Server.Dashboard;

/// <summary>
/// The dashboard's page, script and styles, and the uPlot chart library the build installs from npm: all embedded in
/// the assembly (no CDN, no files beside the binary), served with a Content-Security-Policy that allows scripts from
/// this origin only, so that text injected into the page could not run even if it were ever parsed as HTML.
/// </summary>
internal static class DashboardAssets
{
    public const string Prefix = "/dashboard/";

    // The policy allows no inline script or style element: the page uses files only. connect-src 'self' keeps the
    // token's fetches on this server.
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (byte[] Body, string ContentType)> Files = Load();

    /// <summary>True for the paths that carry no data and so need no token: the page and its static files.</summary>
    public static bool IsPublic(PathString path) =>
        path.Value is "/" || (path.StartsWithSegments("/dashboard", StringComparison.Ordinal) && Files.ContainsKey(path.Value![Prefix.Length..]));

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context) => Serve(context, "index.html"));
        app.MapGet(Prefix + "{file}", (string file, HttpContext context) => Serve(context, file));
    }

    private static IResult Serve(HttpContext context, string file)
    {
        if (!Files.TryGetValue(file, out var asset)) return Results.NotFound();
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Body, asset.ContentType);
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("dashboard/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var file = name["dashboard/".Length..];
            files[file] = (copy.ToArray(), ContentType(file));
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };
}
