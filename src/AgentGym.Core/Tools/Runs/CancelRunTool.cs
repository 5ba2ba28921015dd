using System.ComponentModel;

namespace AgentGym.Core.Tools;

internal sealed record CancelRunArgs([property: Description("The run id.")] string RunId);

internal sealed class CancelRunTool : Tool<CancelRunArgs>
{
    protected override string Name => ToolNames.CancelRun;

    protected override string Description => "Stop a running training run.";

    protected override async Task<ToolResult> ExecuteAsync(CancelRunArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var run = context.Runs.Get(args.RunId);
        if (run.Completion.IsCompleted) return ToolResult.Ok($"{run.Id} had already ended: {run.State}.");
        await run.Cancellation.CancelAsync().ConfigureAwait(false);
        await context.Runs.WaitAsync(run, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return ToolResult.Ok(run.Completion.IsCompleted ? $"{run.Id} stopped: {run.State}." : $"{run.Id} is being stopped.");
    }
}
