using AgentGym.Core.Runs;

namespace AgentGym.Core.Scoring;

/// <summary>
/// What a run's telemetry says about its timing, set against when the host saw each line. The interval before a
/// training-step line (one with train_loss) is training, whatever the script's clock did over it; the interval before
/// a val line is validation. The script's clock must have grown over the training intervals by what the host saw.
/// Work hidden outside them shows in the untimed part (wall - reported train_time), which the paired timing bounds
/// by the starting record's own untimed part measured beside it.
/// </summary>
internal sealed record RunTiming
{
    /// <summary>The last reported train_time (ms).</summary>
    public required double FinalTrainTimeMs { get; init; }

    /// <summary>Reported train_time growth over the training intervals (ms).</summary>
    public required double ReportedTrainingGrowthMs { get; init; }

    /// <summary>Host time over the training intervals (ms).</summary>
    public required double HostTrainingMs { get; init; }

    public required int TimedLines { get; init; }

    /// <summary>Host time over the intervals that end at a val line after the first timed line (ms).</summary>
    public double HostValidationMs { get; init; }

    /// <summary>How many val lines end such an interval.</summary>
    public int Validations { get; init; }

    public double AllowedDifferenceMs(double tolerance, double slackMs) => tolerance * HostTrainingMs + slackMs;

    public bool Agrees(double tolerance, double slackMs) =>
        Math.Abs(ReportedTrainingGrowthMs - HostTrainingMs) <= AllowedDifferenceMs(tolerance, slackMs);

    /// <summary>Reads the timed metric lines (in arrival order); an error says why no timing can be established.</summary>
    public static RunTiming? From(IReadOnlyList<MetricEvent> metrics, out string? error)
    {
        error = null;
        if (metrics.FirstOrDefault(m => m.NonFinite?.ContainsKey(MetricEvent.TrainTimeField) == true) is { } bad)
        {
            error = $"the reported train_time at step {bad.Step} is {bad.NonFinite![MetricEvent.TrainTimeField]}";
            return null;
        }
        var timed = metrics.Where(m => m.TrainTimeMs is not null).ToList();
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
        double host = 0, growth = 0, validationHost = 0;
        var validations = 0;
        for (var i = 1; i < timed.Count; i++)
        {
            var reported = timed[i].TrainTimeMs!.Value - timed[i - 1].TrainTimeMs!.Value;
            if (reported < 0)
            {
                error = $"reported train_time went backwards at step {timed[i].Step} ({timed[i - 1].TrainTimeMs:F0} ms -> {timed[i].TrainTimeMs:F0} ms)";
                return null;
            }
            // A line with both losses is a training step that also reports validation: its interval is training, so
            // that printing val_loss on every step cannot take the whole run out of the clock check.
            if (timed[i].HasValLoss && !timed[i].HasTrainLoss)
            {
                validationHost += timed[i].HostMs - timed[i - 1].HostMs;
                validations++;
                continue;
            }
            if (!timed[i].HasTrainLoss) continue;
            growth += reported;
            host += timed[i].HostMs - timed[i - 1].HostMs;
        }
        return new RunTiming
        {
            FinalTrainTimeMs = timed[^1].TrainTimeMs!.Value,
            ReportedTrainingGrowthMs = growth,
            HostTrainingMs = host,
            TimedLines = timed.Count,
            HostValidationMs = validationHost,
            Validations = validations,
        };
    }
}
