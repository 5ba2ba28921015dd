using AgentGym.Core.Gym;
using AgentGym.Server.Episodes;
using AgentGym.Server.Mcp;
using ModelContextProtocol.Server;

namespace AgentGym.Server;

/// <summary>The MCP server over stdio: one session, one environment, until the client closes stdin.</summary>
public static class GymMcp
{
    /// <param name="defaultTaskId">The task reset starts when it names none; null makes task_id required.</param>
    public static async Task RunStdioAsync(GymOptions gym, string? defaultTaskId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gym);
        if (gym.Sandbox is { } sandbox) await sandbox.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var tools = await ToolCatalog.LoadAsync(gym, defaultTaskId).ConfigureAwait(false);
        var session = new McpGymSession(gym, tools, new EnvironmentSlots(1), defaultTaskId);
        await using (session.ConfigureAwait(false))
        {
            var options = McpGymSession.CreateOptions();
            session.Install(options);
            // No logger factory: stdout carries the protocol, and nothing else may be written there.
            var transport = new StdioServerTransport(options, loggerFactory: null);
            await using (transport.ConfigureAwait(false))
            {
                var server = McpServer.Create(transport, options, loggerFactory: null, serviceProvider: null);
                await using (server.ConfigureAwait(false))
                {
                    try
                    {
                        await server.RunAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        // Ctrl+C or SIGTERM: a normal way to stop.
                    }
                }
            }
        }
    }
}
