using AgentGym.Core.Gym;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Review;

/// <summary>Puts a review into a verdict, next to the measured checks.</summary>
public static class ReviewVerdicts
{
    /// <summary>The review as a check: findings, judge, policy, cost, and a one-line summary.</summary>
    public static ReviewCheck Check(ReviewOutcome outcome, ReviewPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(policy);
        var deciding = ReviewPolicies.DecidingFinding(outcome, policy);
        string summary;
        if (outcome.Error is not null)
            summary = $"no review: {outcome.Error}; the measured verdict stands";
        else if (deciding is not null)
            summary = $"{ReviewOutcome.Describe(deciding)}: reward zeroed (policy {policy})";
        else if (outcome.Findings.Count == 0)
            summary = outcome.ModelCalls == 0 ? "nothing to review (the submission changed no file)" : "no findings";
        else
            summary = $"{outcome.Findings.Count} finding(s), {(policy.Action == ReviewAction.Report ? "reported only" : $"none zeroing the reward (policy {policy})")}: "
                + string.Join("; ", outcome.Findings.Select(ReviewOutcome.Describe));
        return new ReviewCheck
        {
            Passed = deciding is null,
            Reason = deciding is null ? null : summary,
            Policy = policy.ToString(),
            JudgeModel = outcome.JudgeModel,
            Findings = outcome.Findings,
            Skipped = outcome.Error is not null,
            Error = outcome.Error,
            Summary = summary,
            Usage = ReviewCost.Of(outcome),
            RawReply = outcome.RawReply,
        };
    }

    /// <summary>
    /// The verdict with checks.review set (<see cref="Check"/>). When <see cref="ReviewPolicies.ZeroesReward"/> holds,
    /// the reward (and checks.reward.value) becomes 0, the verdict fails and the summary says why; otherwise reward,
    /// pass and summary stay as measured (a judge error included: its check is marked skipped and names the error).
    /// </summary>
    public static SubmissionVerdict Apply(SubmissionVerdict verdict, ReviewOutcome outcome, ReviewPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var check = Check(outcome, policy);
        var checks = verdict.Checks with { Review = check };
        if (check.Passed) return verdict with { Checks = checks };
        checks = checks with { Reward = checks.Reward with { Value = 0, Note = $"{checks.Reward.Note} Zeroed by the code review." } };
        return new SubmissionVerdict(0, false, $"{verdict.Summary} Code review: {check.Summary}.", checks);
    }
}
