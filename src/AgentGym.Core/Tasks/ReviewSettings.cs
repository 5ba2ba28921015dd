using System.Text.Json.Serialization;

namespace AgentGym.Core.Tasks;

/// <summary>
/// A task's say on the optional code review (verification.review in task.json): {"policy": "report"} (the default)
/// or {"policy": "zero", "threshold": 0.8}. An eval spec or the command line may override it.
/// </summary>
public sealed record ReviewSettings
{
    public ReviewAction Policy { get; init; } = ReviewAction.Report;

    /// <summary>The least confidence, above 0 and at most 1, at which a finding zeroes the reward (policy "zero").</summary>
    public double Threshold { get; init; } = DefaultThreshold;

    /// <summary>The threshold when none is given.</summary>
    public const double DefaultThreshold = 0.8;
}

/// <summary>What a review's findings may do to the reward; snake_case in JSON ("report", "zero").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReviewAction>))]
public enum ReviewAction
{
    /// <summary>Findings go into the verdict; the reward stands.</summary>
    [JsonStringEnumMemberName("report")]
    Report,

    /// <summary>A finding at or above the threshold zeroes the reward.</summary>
    [JsonStringEnumMemberName("zero")]
    Zero,
}

