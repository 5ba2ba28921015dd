using AgentGym.Core.Review;

namespace AgentGym.Core.Tasks;

/// <summary>
/// A task's say on the optional code review (verification.review in task.json): {"policy": "report"} (the default)
/// or {"policy": "zero", "threshold": 0.8}. An eval spec or the command line may override it.
/// </summary>
public sealed record ReviewSettings
{
    public ReviewAction Policy { get; init; } = ReviewAction.Report;

    /// <summary>The least confidence, above 0 and at most 1, at which a finding zeroes the reward (policy "zero").</summary>
    public double Threshold { get; init; } = ReviewPolicy.DefaultThreshold;

    /// <exception cref="ArgumentOutOfRangeException">Threshold out of range (the task loader reports it first).</exception>
    public ReviewPolicy ToPolicy() => Policy == ReviewAction.Zero ? ReviewPolicy.ZeroRewardAtConfidence(Threshold) : ReviewPolicy.ReportOnly;
}
