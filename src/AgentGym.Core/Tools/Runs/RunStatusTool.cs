using System.ComponentModel;
using System.Globalization;
using System.Text;
using AgentGym.Core.Runs;

namespace AgentGym.Core.Tools;

internal sealed record RunStatusArgs(
    [property: Description("The run id returned by run_training.")] string RunId,
    [property: Description("Wait up to this many seconds for the run to finish before answering (default 0, at most 600).")] int? WaitSeconds = null);

internal sealed class RunStatusTool : Tool<RunStatusArgs>
{
    private const int MaxWaitSeconds = 600;

    protected override string Name => ToolNames.RunStatus;

    protected override string Description => "State, elapsed time and latest metrics of a run; optionally waits for it to finish.";

    protected override async Task<ToolResult> ExecuteAsync(RunStatusArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var run = context.Runs.Get(args.RunId);
        var wait = Math.Clamp(args.WaitSeconds ?? 0, 0, MaxWaitSeconds);
        await context.Runs.WaitAsync(run, TimeSpan.FromSeconds(wait), cancellationToken).ConfigureAwait(false);
        var summary = RunSummary.Describe(run);
        return new ToolResult(Describe(run)) { Info = summary };
    }

    /// <summary>The sandbox's reason, with the exit code unless the reason already names it.</summary>
    internal static string ReasonWithExitCode(Sandboxing.SandboxRunResult result) =>
        result.ExitCode is { } code && !result.Reason.Contains(code.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            ? $"{result.Reason} (exit code {code})"
            : result.Reason;

    internal static string Describe(TrainingRun run)
    {
        var metrics = run.Metrics();
        var sb = new StringBuilder();
        var state = run.State.ToString();
        sb.Append(CultureInfo.InvariantCulture, $"{run.Id}: {state}{(run.IsStalled ? " but STALLED (no output and no CPU time, or paused)" : "")}, elapsed {run.Elapsed.TotalSeconds:F1} s");
        if (run.StalledTime >= TimeSpan.FromSeconds(1)) sb.Append(CultureInfo.InvariantCulture, $" (not counting {run.StalledTime.TotalSeconds:F1} s stalled)");
        if (run.Result is { } r) sb.Append(CultureInfo.InvariantCulture, $", {ReasonWithExitCode(r with { Reason = run.Reason! })}");
        else if (run.Divergence is { } d) sb.Append(CultureInfo.InvariantCulture, $"; diverged: {TrainingRun.DescribeDivergence(d)}");
        sb.Append('\n');
        var last = metrics.LastOrDefault();
        if (last is null)
        {
            sb.Append("No metric lines yet.");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"Latest step: {last.Step}{(last.TotalSteps is { } t ? $"/{t}" : "")}");
            var train = metrics.LastOrDefault(m => m.HasTrainLoss);
            var val = metrics.LastOrDefault(m => m.HasValLoss);
            if (train is not null) sb.Append(CultureInfo.InvariantCulture, $", train_loss {train.Show(MetricEvent.TrainLossField, train.TrainLoss, "F4")} (step {train.Step})");
            if (val is not null) sb.Append(CultureInfo.InvariantCulture, $", val_loss {val.Show(MetricEvent.ValLossField, val.ValLoss, "F4")} (step {val.Step})");
            if (last.TrainTimeMs is { } ms) sb.Append(CultureInfo.InvariantCulture, $", train_time {ms:F0} ms");
            if (last.StepAvgMs is { } avg) sb.Append(CultureInfo.InvariantCulture, $", step_avg {avg:F2} ms");
        }
        var (lines, dropped, capped) = run.Snapshot();
        sb.Append(CultureInfo.InvariantCulture, $"\nLog: {lines.Count} lines kept");
        if (capped) sb.Append(CultureInfo.InvariantCulture, $", {dropped:N0} dropped after the log cap");
        sb.Append(". Use inspect_logs to read it.");
        return sb.ToString();
    }
}
