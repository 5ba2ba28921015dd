using System.ComponentModel;
using System.Text.Json.Nodes;

namespace AgentGym.Core.Tools;

internal sealed record RunTrainingArgs(
    [property: Description("Stop the run after this many seconds (at most the task's time limit, which is the default).")] int? TimeoutSeconds = null);

internal sealed class RunTrainingTool : Tool<RunTrainingArgs>
{
    protected override string Name => ToolNames.RunTraining;

    protected override string Description =>
        "Start the current workspace in a fresh sandbox. Returns a run id at once; the run continues in the background. " +
        "Follow it with run_status, inspect_logs and get_metrics.";

    protected override Task<ToolResult> ExecuteAsync(RunTrainingArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var limit = context.Task.TimeLimitSeconds;
        if (args.TimeoutSeconds is { } t && t <= 0) throw new ToolFailure($"timeout_seconds must be positive (got {t}).");
        var timeout = Math.Min(args.TimeoutSeconds ?? limit, limit);
        if (context.Budgets.MaxTrainingRuns is { } max && context.Runs.Count >= max)
        {
            return Task.FromResult(ToolResult.Error($"The budget of {max} training runs for this episode is used up; submit one of your runs.") with { BudgetExhausted = "training runs" });
        }
        var run = context.Runs.Start(context.Workspace, context.Launch, TimeSpan.FromSeconds(timeout));
        var note = args.TimeoutSeconds > limit ? $" (timeout_seconds capped at the task's limit of {limit} s)" : "";
        return Task.FromResult(ToolResult.Ok(
            $"Started {run.Id} with a time limit of {timeout} s{note}. Use run_status with run_id=\"{run.Id}\" (and wait_seconds) to follow it.") with
        {
            Info = new JsonObject { [Core.Runs.RunSummary.RunIdKey] = run.Id },
        });
    }
}
