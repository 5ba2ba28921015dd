using AgentGym.Core.Gym;
using AgentGym.Server.Dashboard;
using Microsoft.Extensions.Logging;

namespace AgentGym.Server;

/// <summary>How the HTTP server (episode API, run telemetry and MCP at /mcp) is set up.</summary>
public sealed record GymServerOptions
{
    /// <summary>Each episode, and each MCP session, gets its own environment built from these options.</summary>
    public required GymOptions Gym { get; init; }

    /// <summary>Kestrel URLs, e.g. http://127.0.0.1:8080; port 0 picks a free port (see IGymServer.Addresses).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:8080"];

    /// <summary>The bearer token every request must carry. Required unless AllowNoTokenOnLoopback and all URLs are loopback.</summary>
    public string? Token { get; init; }

    /// <summary>Lets the server run without a token, but only when every URL is a loopback address.</summary>
    public bool AllowNoTokenOnLoopback { get; init; }

    /// <summary>Larger request bodies are refused with 413 (Kestrel's MaxRequestBodySize).</summary>
    public long MaxRequestBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Open environments (HTTP episodes plus MCP sessions that have reset) beyond this are refused with 429.</summary>
    public int MaxEpisodes { get; init; } = 64;

    /// <summary>The task a create request or an MCP reset uses when it names none; null means task_id is required.</summary>
    public string? DefaultTaskId { get; init; }

    /// <summary>How often an idle telemetry stream sends an SSE comment, so that proxies and clients keep it open.</summary>
    public TimeSpan StreamHeartbeat { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The dashboard at /: which evaluation results it may open and how to read them.</summary>
    public DashboardOptions Dashboard { get; init; } = new();

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;
}
