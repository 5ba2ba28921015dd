using System.Text.Json.Nodes;
using AgentGym.Core.Tools;

namespace AgentGym.Agents;

/// <summary>What became of one training run, from the environment's own run summary (never from the agent's reading of logs).</summary>
internal sealed record RunReport(string? RunId, string State, double? ValLoss, double? TrainTimeMs, string? Reason)
{
    public bool Succeeded => State == "succeeded";

    public static RunReport NotStarted(string why) => new(null, "not_started", null, null, why);
}

/// <summary>Starts a run and follows it to the end with the environment's tools: run_training, run_status (waiting), get_metrics.</summary>
internal static class RunWaiter
{
    public static async Task<RunReport> RunAsync(GymSession session, Func<string, JsonObject> info, int waitSeconds, CancellationToken cancellationToken)
    {
        var started = await session.StepAsync(ToolNames.RunTraining, null, info("run"), cancellationToken).ConfigureAwait(false);
        if (started.Observation.IsError || started.Facts.RunId is not { } runId)
            return RunReport.NotStarted(started.Observation.Text);
        while (!session.Over)
        {
            var status = await session.StepAsync(ToolNames.RunStatus, new { run_id = runId, wait_seconds = waitSeconds }, info("wait"), cancellationToken).ConfigureAwait(false);
            if (status.Observation.IsError || status.Facts.RunState != "running") break;
        }
        if (session.Over) return new RunReport(runId, "unknown", null, null, "the episode ended before the run was read");
        var metrics = await session.StepAsync(ToolNames.GetMetrics, new { run_id = runId }, info("metrics"), cancellationToken).ConfigureAwait(false);
        if (metrics.Observation.IsError) return new RunReport(runId, "unknown", null, null, metrics.Observation.Text);
        var summary = metrics.Facts;
        return new RunReport(runId, summary.RunState ?? "unknown", summary.LastValLoss, summary.TrainTimeMs, summary.Reason);
    }
}
