namespace AgentGym.Core.Review;

/// <summary>
/// Reviews a submission's code the way a human reviewer of a speedrun record would: reads the diff against the
/// starting files and the task's rules, and answers with findings (timing manipulation, work moved outside timing,
/// evaluation or data tampering, precomputation, other). Runs after the measured checks; it never replaces them.
/// </summary>
public interface ISubmissionReviewer
{
    /// <summary>
    /// Reviews one submission. Never throws for a judge that cannot be reached or answers nonsense: the outcome then
    /// carries <see cref="ReviewOutcome.Error"/> and no findings. Only cancellation of <paramref name="cancellationToken"/>
    /// throws (OperationCanceledException).
    /// </summary>
    Task<ReviewOutcome> ReviewAsync(ReviewRequest request, CancellationToken cancellationToken);
}
