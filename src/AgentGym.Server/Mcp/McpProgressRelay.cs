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
    private readonly List<Task> _pending = [];

    public (McpServer Server, ProgressToken Token)? Target { get; set; }

    public void Report(VerificationProgress value)
    {
        if (Target is not { } target) return;
        var sent = target.Server.NotifyProgressAsync(target.Token,
            new ProgressNotificationValue { Progress = value.Step, Total = value.TotalSteps, Message = value.Message });
        lock (_gate) _pending.Add(sent);
    }

    /// <summary>
    /// Waits for the notifications sent so far: on Streamable HTTP a call's stream closes with its result, so they
    /// must go out first. A notification that cannot be sent never fails the call.
    /// </summary>
    public async Task FlushAsync()
    {
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _pending];
            _pending.Clear();
        }
        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The client may have gone away; the tool result is what matters.
        }
    }
}
