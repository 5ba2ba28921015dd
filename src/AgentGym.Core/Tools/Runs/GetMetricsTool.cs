using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using AgentGym.Core.Runs;

namespace AgentGym.Core.Tools;

internal sealed record GetMetricsArgs([property: Description("The run id.")] string RunId);

internal sealed class GetMetricsTool : Tool<GetMetricsArgs>
{
    private const int MaxRows = 60;

    protected override string Name => ToolNames.GetMetrics;

    public override string SeeTheRest => "the whole curve is in this step's info (curve)";

    protected override string Description => "The parsed loss curve (train and val loss by step) and timing summary of a run.";

    protected override Task<ToolResult> ExecuteAsync(GetMetricsArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var run = context.Runs.Get(args.RunId);
        var metrics = run.Metrics();
        var summary = RunSummary.Describe(run);
        var sb = new StringBuilder();
        sb.Append(RunStatusTool.Describe(run)).Append('\n');
        var val = metrics.Where(m => m.HasValLoss).ToList();
        var train = metrics.Where(m => m.HasTrainLoss).ToList();
        sb.Append(CultureInfo.InvariantCulture, $"Target val_loss: {context.Task.TargetValLoss}\n");
        if (val.Count > 0)
        {
            sb.Append("val_loss by step:\n");
            foreach (var m in Thin(val)) sb.Append(CultureInfo.InvariantCulture, $"  step {m.Step}: {m.Show(MetricEvent.ValLossField, m.ValLoss, "F4")} (train_time {m.Show(MetricEvent.TrainTimeField, m.TrainTimeMs, "F0")} ms)\n");
            var reached = val.FirstOrDefault(m => m.ValLoss <= context.Task.TargetValLoss);
            sb.Append(reached is null
                ? "Target not reached.\n"
                : string.Create(CultureInfo.InvariantCulture, $"Target reached at step {reached.Step}, train_time {reached.TrainTimeMs:F0} ms.\n"));
        }
        if (train.Count > 0)
        {
            sb.Append("train_loss by step:\n");
            foreach (var m in Thin(train)) sb.Append(CultureInfo.InvariantCulture, $"  step {m.Step}: {m.Show(MetricEvent.TrainLossField, m.TrainLoss, "F4")}\n");
        }
        if (metrics.Count == 0) sb.Append("No metric lines were parsed. Lines must look like 'step:10/100 train_loss:2.5 train_time:1200ms step_avg:120ms'.\n");
        summary["curve"] = JsonSerializer.SerializeToNode(metrics, JsonDefaults.Options);
        return Task.FromResult(new ToolResult(sb.ToString().TrimEnd('\n')) { Info = summary });
    }

    /// <summary>At most MaxRows evenly spaced points, always keeping the last one; says nothing is hidden from the info.</summary>
    private static IEnumerable<MetricEvent> Thin(IReadOnlyList<MetricEvent> points)
    {
        if (points.Count <= MaxRows) return points;
        var stride = (double)(points.Count - 1) / (MaxRows - 1);
        return Enumerable.Range(0, MaxRows).Select(i => points[(int)Math.Round(i * stride)]).Distinct();
    }
}
