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
    public (McpServer Server, ProgressToken Token)? Target { get; set; }

    public void Report(VerificationProgress value)
    {
        if (Target is not { } target) return;
        // Fire and forget: a notification that cannot be sent must not stop the verification.
        _ = target.Server.NotifyProgressAsync(target.Token,
            new ProgressNotificationValue { Progress = value.Step, Total = value.TotalSteps, Message = value.Message })
            .ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }
}
