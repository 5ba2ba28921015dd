using AgentGym.Server.Dashboard;
using AgentGym.Server.Episodes;
using AgentGym.Server.Http;
using AgentGym.Server.Mcp;
using AgentGym.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;

namespace AgentGym.Server;

/// <summary>Starts the HTTP server: the episode API under /v1, run telemetry as SSE, MCP (Streamable HTTP) at /mcp, and the dashboard at /.</summary>
public static class GymServer
{
    private const string SessionItem = "agentgym.mcp-session";

    /// <summary>
    /// Validates the options (refusing to expose the gym without a token), binds Kestrel and returns once it listens.
    /// Throws InvalidOperationException with the reason when the options are unsafe or the address cannot be bound.
    /// </summary>
    public static async Task<IGymServer> StartAsync(GymServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        StartupChecks.Validate(options);
        // Leftovers of a killed server go now, not when its first run starts (their runs' limits hold regardless).
        if (options.Gym.Sandbox is { } sandbox) await sandbox.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var tools = await ToolCatalog.LoadAsync(options.Gym, options.DefaultTaskId).ConfigureAwait(false);
        var slots = new EnvironmentSlots(options.MaxEpisodes);
        var store = new EpisodeStore(options.Gym, slots, options.Gym.TimeProvider);

        // The empty builder reads no appsettings.json or ASPNETCORE_* variables: what the server does is what the
        // options say, whatever the working directory or environment.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "agentgym" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(c => c.SingleLine = true);
        // Logs go to stderr: stdout is left to the host (agentgym serve prints its ready line there for scripts).
        builder.Logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddRoutingCore();
        builder.Services.AddProblemDetails();
        builder.Services
            .AddMcpServer(o =>
            {
                var defaults = McpGymSession.CreateOptions();
                o.ServerInfo = defaults.ServerInfo;
                o.ServerInstructions = defaults.ServerInstructions;
            })
            .WithHttpTransport(transport =>
            {
                // Stateful: an MCP session owns an environment, so its requests must reach the same server object.
                transport.SessionMode = HttpServerSessionMode.Stateful;
                transport.ConfigureSessionOptions = (context, sessionOptions, _) =>
                {
                    // Called once per session with options made for it alone; the session is handed to
                    // RunSessionHandler through the initialize request's items.
                    var session = new McpGymSession(options.Gym, tools, slots, options.DefaultTaskId);
                    session.Install(sessionOptions);
                    context.Items[SessionItem] = session;
                    return Task.CompletedTask;
                };
#pragma warning disable MCPEXP002 // RunSessionHandler is the SDK's documented hook for work after a session ends.
                transport.RunSessionHandler = async (context, server, token) =>
                {
                    // Read before the first await: the initialize request's context is recycled once it completes.
                    var session = context.Items[SessionItem] as McpGymSession;
                    context.Items.Remove(SessionItem);
                    try
                    {
                        await server.RunAsync(token).ConfigureAwait(false);
                    }
                    finally
                    {
                        if (session is not null) await session.DisposeAsync().ConfigureAwait(false);
                    }
                };
#pragma warning restore MCPEXP002
            });

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentGym.Server");
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Kestrel's own refusals (body too large, bad framing) keep their status; anything else is a 500 problem.
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        var access = new AccessMiddleware(string.IsNullOrEmpty(options.Token) ? NoToken(logger) : new TokenCheck(options.Token));
        app.Use(access.InvokeAsync);
        app.UseRouting();
        EpisodeEndpoints.Map(app, options, store, tools, logger);
        DashboardEndpoints.Map(app, options, store, logger);
        app.MapMcp("/mcp");

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await store.DisposeAsync().ConfigureAwait(false);
            if (ex is IOException or System.Net.Sockets.SocketException)
                throw new InvalidOperationException($"Could not listen on {string.Join(", ", options.Urls)}: {ex.Message}", ex);
            throw;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            .Select(a => new Uri(a.Replace("://[::]", "://[::1]").Replace("://0.0.0.0", "://127.0.0.1"))).ToList() ?? [];
        logger.LogInformation("AgentGym server listening on {Addresses} ({Auth})", string.Join(", ", addresses),
            string.IsNullOrEmpty(options.Token) ? "no token, loopback only" : "bearer token required");
        return new RunningServer(app, store, addresses);
    }

    private static TokenCheck? NoToken(ILogger logger)
    {
        logger.LogWarning("Running WITHOUT a bearer token (allowed on loopback only): any local process can drive episodes.");
        return null;
    }

    private sealed class RunningServer(WebApplication app, EpisodeStore store, IReadOnlyList<Uri> addresses) : IGymServer
    {
        private int _disposed;

        public IReadOnlyList<Uri> Addresses => addresses;

        public Task Completion { get; } = StopRequested(app);

        /// <summary>
        /// The host's console lifetime turns SIGINT and SIGTERM into a stop request and swallows the signal; nothing
        /// stops Kestrel for us (we called StartAsync, not RunAsync), so the owner learns of the request here and
        /// disposes the server.
        /// </summary>
        private static Task StopRequested(WebApplication app)
        {
            var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
            return stopping.Task;
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            try
            {
                await app.StopAsync().ConfigureAwait(false);
            }
            finally
            {
                // Episodes outlive Kestrel's requests; close them (cancelling their runs) before the process goes.
                await store.DisposeAsync().ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
