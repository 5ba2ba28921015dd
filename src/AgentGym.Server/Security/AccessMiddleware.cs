using AgentGym.Server.Dashboard;
using AgentGym.Server.Http;
using Microsoft.AspNetCore.Http;

namespace AgentGym.Server.Security;

/// <summary>
/// Guards every route but /health and the dashboard's static files. With a token: the bearer token must match. Without one (loopback only, by explicit
/// choice): a web page in the operator's browser must not be able to drive the gym, so requests must name a loopback
/// Host (defeats DNS rebinding) and carry no foreign Origin.
/// </summary>
internal sealed class AccessMiddleware(TokenCheck? token)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // The dashboard's page and static files hold no data (it asks /v1/dashboard with the token), so a browser can
        // load the login form before it has a token.
        if (context.Request.Path.Equals("/health", StringComparison.Ordinal)
            || (HttpMethods.IsGet(context.Request.Method) && DashboardAssets.IsPublic(context.Request.Path)))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (token is not null)
        {
            if (!token.Matches(TokenCheck.FromHeader(context.Request.Headers.Authorization.ToString())))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                var missing = string.IsNullOrEmpty(context.Request.Headers.Authorization.ToString());
                await Problems.Write(context, StatusCodes.Status401Unauthorized, "Unauthorized",
                    missing ? "This server needs an 'Authorization: Bearer <token>' header." : "The bearer token is wrong.").ConfigureAwait(false);
                return;
            }
        }
        else
        {
            if (!LoopbackAddresses.IsLoopbackHost(context.Request.Host.Host))
            {
                await Problems.Write(context, StatusCodes.Status403Forbidden, "Forbidden",
                    "Without a token this server answers only requests addressed to a loopback host (localhost, 127.0.0.1, [::1]).").ConfigureAwait(false);
                return;
            }
            var origin = context.Request.Headers.Origin.ToString();
            if (origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var o) && LoopbackAddresses.IsLoopbackHost(o.Host)))
            {
                await Problems.Write(context, StatusCodes.Status403Forbidden, "Forbidden",
                    "Without a token this server refuses cross-origin requests from web pages.").ConfigureAwait(false);
                return;
            }
        }
        await next(context).ConfigureAwait(false);
    }
}
