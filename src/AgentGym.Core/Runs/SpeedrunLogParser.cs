using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentGym.Core.Runs;

/// <summary>
/// Parses the speedrun's log lines: `step:N/T val_loss:X train_time:Yms step_avg:Zms` and the train_loss form.
/// Anything else is not a metric line. nan, inf and -inf (any case, as Python, NumPy and PyTorch print them) are
/// read, and leave the parser only as <see cref="MetricEvent.NonFinite"/> entries, never as a non-finite double.
/// </summary>
public static partial class SpeedrunLogParser
{
    public static MetricEvent? TryParse(string line, double hostMs)
    {
        var head = StepPattern().Match(line);
        if (!head.Success) return null;
        if (!int.TryParse(head.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var step)) return null;
        int? total = head.Groups[2].Success && int.TryParse(head.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        double? trainLoss = null, valLoss = null, trainTime = null, stepAvg = null;
        Dictionary<string, string>? nonFinite = null;
        foreach (Match field in FieldPattern().Matches(line, head.Length))
        {
            var name = field.Groups[1].Value;
            var text = field.Groups[2].Value;
            var value = Read(text) * Scale(field.Groups[3].Value);
            if (!double.IsFinite(value))
            {
                (nonFinite ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = text;
                continue;
            }
            switch (name)
            {
                case MetricEvent.TrainLossField: trainLoss = value; break;
                case MetricEvent.ValLossField: valLoss = value; break;
                case MetricEvent.TrainTimeField: trainTime = value; break;
                case MetricEvent.StepAvgField: stepAvg = value; break;
            }
        }
        if (trainLoss is null && valLoss is null && trainTime is null && nonFinite is null) return null;
        return new MetricEvent
        {
            Step = step, TotalSteps = total, TrainLoss = trainLoss, ValLoss = valLoss, TrainTimeMs = trainTime, StepAvgMs = stepAvg,
            NonFinite = nonFinite, HostMs = hostMs,
        };
    }

    /// <summary>The value, NaN for nan, an infinity for inf or for a number beyond a double's range.</summary>
    private static double Read(string text)
    {
        var body = text.TrimStart('+', '-');
        var negative = text.StartsWith('-');
        if (body.StartsWith("nan", StringComparison.OrdinalIgnoreCase)) return double.NaN;
        if (body.StartsWith("inf", StringComparison.OrdinalIgnoreCase)) return negative ? double.NegativeInfinity : double.PositiveInfinity;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
    }

    private static double Scale(string unit) => unit == "s" ? 1000 : 1;

    [GeneratedRegex(@"^\s*step:(\d+)(?:/(\d+))?")]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"\b(train_loss|val_loss|train_time|step_avg):\s*([-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|(?i:nan|inf(?:inity)?)))(ms|s)?\b")]
    private static partial Regex FieldPattern();
}
