using System.Globalization;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Review;

/// <summary>
/// Whether findings only get reported (the default) or a confident enough finding zeroes the reward.
/// Written "report" or "zero:THRESHOLD" (e.g. zero:0.8) on the command line and in eval specs.
/// </summary>
public sealed record ReviewPolicy
{
    /// <summary>The threshold "zero" means when none is written.</summary>
    public const double DefaultThreshold = ReviewSettings.DefaultThreshold;

    private ReviewPolicy(ReviewAction action, double threshold)
    {
        Action = action;
        Threshold = threshold;
    }

    public ReviewAction Action { get; }

    /// <summary>The least confidence (0 exclusive to 1 inclusive) at which a finding zeroes the reward; meaningless for Report.</summary>
    public double Threshold { get; }

    /// <summary>The policy a task's verification.review names.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Threshold out of range (the task loader reports it first).</exception>
    public static ReviewPolicy From(ReviewSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Policy == ReviewAction.Zero ? ZeroRewardAtConfidence(settings.Threshold) : ReportOnly;
    }

    public static ReviewPolicy ReportOnly { get; } = new(ReviewAction.Report, 1);

    /// <exception cref="ArgumentOutOfRangeException">The threshold is not in (0, 1].</exception>
    public static ReviewPolicy ZeroRewardAtConfidence(double threshold) =>
        double.IsFinite(threshold) && threshold > 0 && threshold <= 1
            ? new ReviewPolicy(ReviewAction.Zero, threshold)
            : throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The confidence threshold must be above 0 and at most 1.");

    /// <summary>"report" or "zero:0.8".</summary>
    public override string ToString() =>
        Action == ReviewAction.Report ? "report" : string.Create(CultureInfo.InvariantCulture, $"zero:{Threshold:0.###}");
}

public static class ReviewPolicies
{
    /// <summary>
    /// True when <paramref name="policy"/> zeroes rewards and the outcome, understood without error, holds a finding
    /// whose confidence reaches the threshold and which cites at least one line the diff shows. A finding that cites
    /// no changed line cannot zero a reward: the judge must point at code the submission wrote.
    /// </summary>
    public static bool ZeroesReward(ReviewOutcome outcome, ReviewPolicy policy) => DecidingFinding(outcome, policy) is not null;

    /// <summary>The most confident finding that zeroes the reward under <paramref name="policy"/>, or null.</summary>
    public static ReviewFinding? DecidingFinding(ReviewOutcome outcome, ReviewPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Action != ReviewAction.Zero || outcome.Error is not null) return null;
        return outcome.Findings.Where(f => f.Confidence >= policy.Threshold && f.HasValidCitation).MaxBy(f => f.Confidence);
    }

    /// <summary>
    /// The policy in force for a task: the one configured for the run (eval spec or command line) when given, else the
    /// task's verification.review, else report only.
    /// </summary>
    public static ReviewPolicy Resolve(ReviewPolicy? configured, TaskManifest task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return configured ?? (task.Verification.Review is { } review ? ReviewPolicy.From(review) : null) ?? ReviewPolicy.ReportOnly;
    }

    /// <summary>Reads "report", "zero" (threshold 0.8) or "zero:T" with T in (0, 1]; the error says what was expected.</summary>
    public static bool TryParse(string? text, out ReviewPolicy policy, out string? error)
    {
        policy = ReviewPolicy.ReportOnly;
        error = null;
        var t = text?.Trim().ToLowerInvariant() ?? "";
        if (t is "report" or "report-only" or "report_only") return true;
        if (t == "zero")
        {
            policy = ReviewPolicy.ZeroRewardAtConfidence(ReviewPolicy.DefaultThreshold);
            return true;
        }
        if (t.StartsWith("zero:", StringComparison.Ordinal)
            && double.TryParse(t[5..], NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold)
            && double.IsFinite(threshold) && threshold > 0 && threshold <= 1)
        {
            policy = ReviewPolicy.ZeroRewardAtConfidence(threshold);
            return true;
        }
        error = $"'{text}' is not a review policy; use report, or zero:T with a confidence threshold T above 0 and at most 1 (e.g. zero:0.8)";
        return false;
    }
}
