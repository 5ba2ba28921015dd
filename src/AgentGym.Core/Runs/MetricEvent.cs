using System.Text.Json.Serialization;

namespace AgentGym.Core.Runs;

/// <summary>
/// One parsed speedrun log line, stamped with when the host saw it (ms since the run started).
/// Every number here is finite: a field the script printed as nan, inf, -inf (or a number too large for a double)
/// has a null property and its printed text in <see cref="NonFinite"/>. That is the one representation of a
/// non-finite metric, so any JSON writer can write an event and a diverged run is visible without special cases.
/// </summary>
public sealed record MetricEvent
{
    public required int Step { get; init; }
    public int? TotalSteps { get; init; }
    public double? TrainLoss { get; init; }
    public double? ValLoss { get; init; }
    public double? TrainTimeMs { get; init; }
    public double? StepAvgMs { get; init; }

    /// <summary>Field name (train_loss, val_loss, train_time, step_avg) to the text printed for it, for each field
    /// whose value was not a finite number; null when every value was finite.</summary>
    public IReadOnlyDictionary<string, string>? NonFinite { get; init; }

    /// <summary>Host-observed milliseconds since the run started when the line arrived.</summary>
    public required double HostMs { get; init; }

    /// <summary>True when a loss (train or val) on this line was not a finite number: the run diverged here.</summary>
    [JsonIgnore]
    public bool Diverged => NonFinite is { } n && (n.ContainsKey(TrainLossField) || n.ContainsKey(ValLossField));

    /// <summary>True when the line reported a val loss, finite or not.</summary>
    [JsonIgnore]
    public bool HasValLoss => ValLoss is not null || NonFinite?.ContainsKey(ValLossField) == true;

    /// <summary>True when the line reported a train loss, finite or not.</summary>
    [JsonIgnore]
    public bool HasTrainLoss => TrainLoss is not null || NonFinite?.ContainsKey(TrainLossField) == true;

    /// <summary>The value of a field as text: the number with the given format, or what the script printed.</summary>
    public string Show(string field, double? value, string format) =>
        value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture)
        : NonFinite?.GetValueOrDefault(field) ?? "-";

    public const string TrainLossField = "train_loss";
    public const string ValLossField = "val_loss";
    public const string TrainTimeField = "train_time";
    public const string StepAvgField = "step_avg";
}
