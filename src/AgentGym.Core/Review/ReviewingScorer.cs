using AgentGym.Core.Gym;

namespace AgentGym.Core.Review;

/// <summary>
/// Scores with the measured checks first, then has the reviewer read the submission and applies the policy in force
/// (the configured one, else the task's verification.review, else report only).
/// </summary>
internal sealed class ReviewingScorer(ISubmissionScorer inner, ISubmissionReviewer reviewer, ReviewPolicy? configured) : ISubmissionScorer
{
    public async Task<SubmissionVerdict> ScoreAsync(Submission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var verdict = await inner.ScoreAsync(submission, cancellationToken).ConfigureAwait(false);
        ReviewOutcome outcome;
        try
        {
            var request = ReviewRequest.Create(submission.Task, submission.StartDirectory, submission.CodeDirectory);
            outcome = await reviewer.ReviewAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The review is an addition: a submission folder that cannot be read for it leaves the measured verdict.
            outcome = new ReviewOutcome { JudgeModel = "(none)", Error = $"the submission's diff could not be made: {ex.Message}" };
        }
        return ReviewVerdicts.Apply(verdict, outcome, ReviewPolicies.Resolve(configured, submission.Task));
    }
}

public static class SubmissionReviews
{
    /// <summary>
    /// A scorer that runs <paramref name="scorer"/>, then <paramref name="reviewer"/>, and puts the review into the
    /// verdict (<see cref="ReviewVerdicts.Apply"/>). <paramref name="policy"/> overrides each task's
    /// verification.review; null keeps the task's (report only when it has none).
    /// </summary>
    public static ISubmissionScorer WithReview(this ISubmissionScorer scorer, ISubmissionReviewer reviewer, ReviewPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(reviewer);
        return new ReviewingScorer(scorer, reviewer, policy);
    }
}
