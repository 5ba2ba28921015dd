using AgentGym.Core.Scoring;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentGym.Server.Mcp;

/// <summary>
/// Turns verification progress into MCP progress notifications (notifications/progress) for the tool call in flight,
/// when its caller sent a progressToken; otherwise the progress is dropped, as the protocol asks.
/// </summary>
internal sealed class McpProgressRelay : IProgress<VerificationProgress>
{
    private readonly Lock _gate = new();
    private Task _tail = Task.CompletedTask;

    public (McpServer Server, ProgressToken Token)? Target { get; set; }

    public void Report(VerificationProgress value)
    {
        if (Target is not { } target) return;
        var notification = new ProgressNotificationValue { Progress = value.Step, Total = value.TotalSteps, Message = value.Message };
        // Each notification goes out after the one before: sent side by side they overtook each other, and a client
        // reading progress must see it rise.
        lock (_gate) _tail = SendAfterAsync(_tail, target.Server, target.Token, notification);
    }

    private static async Task SendAfterAsync(Task previous, McpServer server, ProgressToken token, ProgressNotificationValue notification)
    {
        await previous.ConfigureAwait(false);
        try
        {
            await server.NotifyProgressAsync(token, notification).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The client may have gone away; the tool result is what matters, and later notifications still try.
        }
    }

    /// <summary>
    /// Waits for the notifications sent so far: on Streamable HTTP a call's stream closes with its result, so they
    /// must go out first. A notification that cannot be sent never fails the call.
    /// </summary>
    public Task FlushAsync()
    {
        lock (_gate) return _tail;
    }
}
