using AgentGym.Core.Runs;

namespace AgentGym.Core.Scoring;

/// <summary>
/// What a run's telemetry says about its timing, set against when the host saw each line.
/// The script's clock may legitimately stop (validation): intervals between consecutive timed lines whose reported
/// train_time did not advance are paused; the host's time over the others must match the reported growth. Work hidden
/// in paused intervals does not show here but in the untimed part (wall time minus train_time), which is checked
/// against the starting record's.
/// </summary>
internal sealed record RunTiming
{
    public required double FinalTrainTimeMs { get; init; }
    public required double FirstTrainTimeMs { get; init; }

    /// <summary>Reported train_time growth from the first timed line to the last.</summary>
    public required double ReportedGrowthMs { get; init; }

    /// <summary>Host time between the first and last timed lines over the intervals where the script's clock ran.</summary>
    public required double HostRunningMs { get; init; }

    /// <summary>Host time between the first and last timed lines in all.</summary>
    public required double HostSpanMs { get; init; }

    public required int TimedLines { get; init; }

    /// <summary>Changes between running and paused intervals: where a late-delivered line shifts host time between them.</summary>
    public required int Boundaries { get; init; }

    /// <summary>
    /// The train_time used for the reward: the reported one, or the host's measure (first reported step plus the
    /// host-observed running time, less the absolute slack for late lines) when that is longer, so that
    /// under-reporting within the relative tolerance gains at most the slack, and late delivery costs honest runs nothing.
    /// </summary>
    public double VerifiedTrainTimeMs(double slackMs, double slackPerBoundaryMs) =>
        Math.Max(FinalTrainTimeMs, FirstTrainTimeMs + HostRunningMs - Slack(slackMs, slackPerBoundaryMs));

    /// <summary>|reported growth - host running time| / host running time.</summary>
    public double Disagreement => HostRunningMs > 0 ? Math.Abs(ReportedGrowthMs - HostRunningMs) / HostRunningMs : ReportedGrowthMs == 0 ? 0 : double.PositiveInfinity;

    /// <summary>
    /// Lines can arrive late (pipes, the container engine) but never early. The lag drifts slowly, so the two ends of
    /// the span get one fixed slack; a line delivered late at a running/paused boundary also moves host time from one
    /// side to the other, so each boundary adds a small slack of its own.
    /// </summary>
    public double Slack(double slackMs, double slackPerBoundaryMs) => slackMs + slackPerBoundaryMs * Boundaries;

    public double AllowedDifferenceMs(double tolerance, double slackMs, double slackPerBoundaryMs) =>
        tolerance * HostRunningMs + Slack(slackMs, slackPerBoundaryMs);

    public bool Agrees(double tolerance, double slackMs, double slackPerBoundaryMs) =>
        Math.Abs(ReportedGrowthMs - HostRunningMs) <= AllowedDifferenceMs(tolerance, slackMs, slackPerBoundaryMs);

    /// <summary>Reads the timed metric lines (in arrival order); an error says why no timing can be established.</summary>
    public static RunTiming? From(IReadOnlyList<MetricEvent> metrics, out string? error)
    {
        var timed = metrics.Where(m => m.TrainTimeMs is not null).ToList();
        error = null;
        if (timed.Count < 2)
        {
            error = $"{timed.Count} telemetry line(s) with train_time; at least two are needed to time the run";
            return null;
        }
        if (timed.Any(m => !double.IsFinite(m.TrainTimeMs!.Value) || m.TrainTimeMs < 0))
        {
            error = "a reported train_time is negative or not a number";
            return null;
        }
        double running = 0, growth = 0;
        var boundaries = 0;
        bool? lastRunning = null;
        for (var i = 1; i < timed.Count; i++)
        {
            var reported = timed[i].TrainTimeMs!.Value - timed[i - 1].TrainTimeMs!.Value;
            if (reported < 0)
            {
                error = $"reported train_time went backwards at step {timed[i].Step} ({timed[i - 1].TrainTimeMs:F0} ms -> {timed[i].TrainTimeMs:F0} ms)";
                return null;
            }
            growth += reported;
            if (reported > 0) running += timed[i].HostMs - timed[i - 1].HostMs;
            if (lastRunning is { } was && was != reported > 0) boundaries++;
            lastRunning = reported > 0;
        }
        return new RunTiming
        {
            FinalTrainTimeMs = timed[^1].TrainTimeMs!.Value,
            FirstTrainTimeMs = timed[0].TrainTimeMs!.Value,
            ReportedGrowthMs = growth,
            HostRunningMs = running,
            HostSpanMs = timed[^1].HostMs - timed[0].HostMs,
            TimedLines = timed.Count,
            Boundaries = boundaries,
        };
    }
}
