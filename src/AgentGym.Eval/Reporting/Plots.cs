using ScottPlot;

namespace AgentGym.Eval.Reporting;

/// <summary>The report's figures, rendered to PNG with ScottPlot (SkiaSharp, no display needed).</summary>
internal static class Plots
{
    private const int Width = 900;
    private const int Height = 520;
    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    /// <summary>Autoscales with headroom above the data, so that the legend (top) does not hide bars or curves.</summary>
    private static byte[] Render(Plot plot)
    {
        plot.Axes.AutoScale();
        var limits = plot.Axes.GetLimits();
        var span = limits.Top - limits.Bottom;
        if (span > 0 && double.IsFinite(span)) plot.Axes.SetLimitsY(limits.Bottom, limits.Top + 0.35 * span);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>The task's target loss and starting record time, from any of its episodes (they all carry them).</summary>
    private static void AddTaskReferenceLines(Plot plot, EpisodeRow task)
    {
        var target = plot.Add.HorizontalLine(task.Target);
        target.LegendText = "target val loss";
        target.Color = Colors.Gray;
        target.LinePattern = LinePattern.Dotted;
        var baseline = plot.Add.VerticalLine(task.BaselineMs / 1000);
        baseline.LegendText = "starting record time";
        baseline.Color = Colors.Black;
        baseline.LinePattern = LinePattern.Dotted;
    }

    private static Color AgentColor(ReportData data, string agent) => Palette.GetColor(Math.Max(0, data.Agents.ToList().IndexOf(agent)));

    /// <summary>Mean FSR (with its standard error) for every hint regime, one bar per agent.</summary>
    public static byte[] FsrByHints(ReportData data)
    {
        var plot = new Plot();
        var agents = data.Agents;
        var regimes = data.HintRegimes;
        var groupWidth = 0.8;
        var barWidth = groupWidth / Math.Max(1, agents.Count);
        var bars = new List<Bar>();
        for (var h = 0; h < regimes.Count; h++)
            for (var a = 0; a < agents.Count; a++)
            {
                var values = data.Episodes.Where(e => e.Hints == regimes[h] && e.Agent == agents[a] && e.Fsr is not null).Select(e => e.Fsr!.Value).ToList();
                if (values.Count == 0) continue;
                bars.Add(new Bar
                {
                    Position = h - groupWidth / 2 + barWidth * (a + 0.5),
                    Value = values.Average(),
                    Error = Stats.StdErr(values) ?? 0,
                    FillColor = AgentColor(data, agents[a]),
                    Size = barWidth * 0.9,
                });
            }
        if (bars.Count > 0) plot.Add.Bars(bars);
        foreach (var agent in agents)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = agent, FillColor = AgentColor(data, agent) });
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, regimes.Count).Select(i => (double)i)], [.. regimes]);
        var zero = plot.Add.HorizontalLine(0);
        zero.Color = Colors.Black;
        zero.LineWidth = 1;
        var one = plot.Add.HorizontalLine(1);
        one.Color = Colors.Gray;
        one.LinePattern = LinePattern.Dotted;
        one.LegendText = "next record (FSR 1)";
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Title("FSR by hint regime and agent (mean over tasks and seeds, error bars: standard error)");
        plot.XLabel("hint regime");
        plot.YLabel("FSR");
        return Render(plot);
    }

    /// <summary>
    /// Val loss against train time for the best episode of each agent on a task (its submitted run), against the
    /// starting record: a run of the unchanged starting code when the experiment has one, plus the record times and
    /// the target loss as reference lines.
    /// </summary>
    public static byte[] LossCurves(ReportData data, string task)
    {
        var plot = new Plot();
        var episodes = data.Episodes.Where(e => e.TaskId == task).ToList();
        foreach (var agent in data.Agents)
        {
            var best = episodes.Where(e => e.Agent == agent)
                .OrderByDescending(e => e.Fsr ?? double.NegativeInfinity).ThenBy(e => e.VerifiedTimeMs ?? double.PositiveInfinity).FirstOrDefault();
            if (best is null) continue;
            var runs = data.Runs.Where(r => r.CellId == best.CellId).ToList();
            var run = runs.FirstOrDefault(r => r.Submitted) ?? runs.Where(r => r.Valid).OrderBy(r => r.TrainTimeMs).FirstOrDefault();
            if (run is null) continue;
            var (x, y) = ReportData.ValCurve(run);
            if (x.Length == 0) continue;
            var line = plot.Add.Scatter(x.Select(v => v / 1000).ToArray(), y);
            line.LegendText = $"{agent} ({best.Hints}, seed {best.Seed})";
            line.Color = AgentColor(data, agent);
            line.LineWidth = 2;
            line.MarkerSize = 4;
        }
        var cellsOfTask = data.Cells.Where(c => c.TaskId == task).Select(c => c.Id).ToHashSet();
        var start = data.Runs.Where(r => r.StartCode && cellsOfTask.Contains(r.CellId) && r.State == "succeeded").OrderBy(r => r.CellId).FirstOrDefault();
        if (start is not null && ReportData.ValCurve(start) is { X.Length: > 0 } startCurve)
        {
            var line = plot.Add.Scatter(startCurve.X.Select(v => v / 1000).ToArray(), startCurve.Y);
            line.LegendText = "starting record (unchanged code)";
            line.Color = Colors.Black;
            line.LinePattern = LinePattern.Dashed;
            line.MarkerSize = 0;
        }
        if (episodes.FirstOrDefault() is { } any)
        {
            AddTaskReferenceLines(plot, any);
            var record = plot.Add.VerticalLine(any.RecordMs / 1000);
            record.LegendText = "next record time";
            record.Color = Colors.Green;
            record.LinePattern = LinePattern.Dotted;
        }
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title($"{task}: val loss of the best runs");
        plot.XLabel("train time (s)");
        plot.YLabel("val loss");
        return Render(plot);
    }

    /// <summary>Verified time against verified loss for every verified submission of a task, with the Pareto frontier.</summary>
    public static byte[] Frontier(ReportData data, string task)
    {
        var plot = new Plot();
        var points = data.Episodes.Where(e => e.TaskId == task && e.VerifiedTimeMs is not null && e.VerifiedLoss is not null).ToList();
        foreach (var agent in data.Agents)
        {
            var mine = points.Where(p => p.Agent == agent).ToList();
            if (mine.Count == 0) continue;
            var scatter = plot.Add.ScatterPoints(mine.Select(p => p.VerifiedTimeMs!.Value / 1000).ToArray(), mine.Select(p => p.VerifiedLoss!.Value).ToArray());
            scatter.LegendText = agent;
            scatter.Color = AgentColor(data, agent);
            scatter.MarkerSize = 9;
        }
        // Pareto frontier: a point is on it when no other point is both faster and lower in loss.
        var frontier = new List<EpisodeRow>();
        foreach (var p in points.OrderBy(p => p.VerifiedTimeMs).ThenBy(p => p.VerifiedLoss))
            if (frontier.Count == 0 || p.VerifiedLoss < frontier[^1].VerifiedLoss) frontier.Add(p);
        if (frontier.Count > 1)
        {
            var line = plot.Add.Scatter(frontier.Select(p => p.VerifiedTimeMs!.Value / 1000).ToArray(), frontier.Select(p => p.VerifiedLoss!.Value).ToArray());
            line.LegendText = "frontier";
            line.Color = Colors.Gray;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 0;
        }
        if (data.Episodes.FirstOrDefault(e => e.TaskId == task) is { } any) AddTaskReferenceLines(plot, any);
        plot.ShowLegend(Alignment.UpperRight);
        plot.Title($"{task}: verified time vs verified loss (every verified submission)");
        plot.XLabel("verified train time (s)");
        plot.YLabel("verified val loss");
        return Render(plot);
    }
}
