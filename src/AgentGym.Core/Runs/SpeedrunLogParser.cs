using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentGym.Core.Runs;

/// <summary>
/// Parses the speedrun's log lines: `step:N/T val_loss:X train_time:Yms step_avg:Zms` and the train_loss form.
/// Anything else is not a metric line.
/// </summary>
public static partial class SpeedrunLogParser
{
    public static MetricEvent? TryParse(string line, double hostMs)
    {
        var head = StepPattern().Match(line);
        if (!head.Success) return null;
        var step = int.Parse(head.Groups[1].Value, CultureInfo.InvariantCulture);
        int? total = head.Groups[2].Success ? int.Parse(head.Groups[2].Value, CultureInfo.InvariantCulture) : null;
        double? trainLoss = null, valLoss = null, trainTime = null, stepAvg = null;
        foreach (Match field in FieldPattern().Matches(line, head.Length))
        {
            if (!double.TryParse(field.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
            switch (field.Groups[1].Value)
            {
                case "train_loss": trainLoss = value; break;
                case "val_loss": valLoss = value; break;
                case "train_time": trainTime = value * Scale(field.Groups[3].Value); break;
                case "step_avg": stepAvg = value * Scale(field.Groups[3].Value); break;
            }
        }
        if (trainLoss is null && valLoss is null && trainTime is null) return null;
        return new MetricEvent { Step = step, TotalSteps = total, TrainLoss = trainLoss, ValLoss = valLoss, TrainTimeMs = trainTime, StepAvgMs = stepAvg, HostMs = hostMs };
    }

    private static double Scale(string unit) => unit == "s" ? 1000 : 1;

    [GeneratedRegex(@"^\s*step:(\d+)(?:/(\d+))?")]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"\b(train_loss|val_loss|train_time|step_avg):\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)(ms|s)?\b")]
    private static partial Regex FieldPattern();
}
