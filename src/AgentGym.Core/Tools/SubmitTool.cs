using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;

namespace AgentGym.Core.Tools;

internal sealed record SubmitArgs(
    [property: Description("Submit the code of this run; the current workspace when omitted.")] string? RunId = null);

internal sealed class SubmitTool : Tool<SubmitArgs>
{
    protected override string Name => ToolNames.Submit;

    protected override string Description =>
        "End the episode and submit code for scoring. The verifier re-runs it in a fresh sandbox; the reward comes from verified loss and time.";

    protected override async Task<ToolResult> ExecuteAsync(SubmitArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var codeDirectory = context.Workspace.Root;
        if (args.RunId is not null)
        {
            var run = context.Runs.Get(args.RunId);
            codeDirectory = run.WorkspaceSnapshot;
        }
        var info = new JsonObject { ["submitted"] = args.RunId ?? "workspace" };
        if (context.Scorer is null)
        {
            info["verdict"] = "unverified";
            return new ToolResult("Submitted. No verifier is configured for this environment, so the reward is 0.")
            {
                EndsEpisode = true,
                Info = info,
            };
        }

        var verdict = await context.Scorer.ScoreAsync(
            new Submission(context.Task, context.Episode, codeDirectory, context.Workspace.StartDirectory, args.RunId)
            {
                Reward = context.Reward,
                Progress = context.VerificationProgress,
            }, cancellationToken).ConfigureAwait(false);
        info["verdict"] = verdict.Passed ? "passed" : "failed";
        info["checks"] = JsonSerializer.SerializeToNode(verdict.Checks, JsonDefaults.Options);
        return new ToolResult($"Submitted. {verdict.Summary} Reward: {verdict.Reward:F4}.")
        {
            EndsEpisode = true,
            Reward = verdict.Reward,
            Info = info,
        };
    }
}
