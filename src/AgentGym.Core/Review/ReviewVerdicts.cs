using AgentGym.Core.Environment;

namespace AgentGym.Core.Review;

/// <summary>Puts a review into a verdict, next to the measured checks.</summary>
public static class ReviewVerdicts
{
    /// <summary>The name of the review's entry in <see cref="SubmissionVerdict.Checks"/>.</summary>
    public const string CheckName = "review";

    /// <summary>
    /// The verdict with checks["review"] added: the outcome's JSON (<see cref="ReviewOutcome.ToJson"/>) plus passed,
    /// reason and policy. When <see cref="ReviewPolicies.ZeroesReward"/> holds, the reward becomes 0, the verdict
    /// fails and the summary says why; otherwise reward, pass and summary stay as measured (a judge error included:
    /// its entry is marked skipped and names the error).
    /// </summary>
    public static SubmissionVerdict Apply(SubmissionVerdict verdict, ReviewOutcome outcome, ReviewPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(policy);
        var deciding = ReviewPolicies.DecidingFinding(outcome, policy);
        var entry = outcome.ToJson();
        entry["passed"] = deciding is null;
        entry["policy"] = policy.ToString();
        string reason;
        if (outcome.Error is not null)
        {
            entry["skipped"] = true;
            reason = $"no review: {outcome.Error}; the measured verdict stands";
        }
        else if (deciding is not null)
            reason = $"{ReviewOutcome.Describe(deciding)}: reward zeroed (policy {policy})";
        else if (outcome.Findings.Count == 0)
            reason = outcome.ModelCalls == 0 ? "nothing to review (the submission changed no file)" : "no findings";
        else
            reason = $"{outcome.Findings.Count} finding(s), {(policy.Action == ReviewAction.Report ? "reported only" : $"none zeroing the reward (policy {policy})")}: "
                + string.Join("; ", outcome.Findings.Select(ReviewOutcome.Describe));
        entry["reason"] = reason;

        var checks = (System.Text.Json.Nodes.JsonObject)verdict.Checks.DeepClone();
        checks[CheckName] = entry;
        return deciding is null
            ? verdict with { Checks = checks }
            : new SubmissionVerdict(0, false, $"{verdict.Summary} Code review: {reason}.", checks);
    }
}
