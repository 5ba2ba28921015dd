using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Gym;

/// <summary>
/// Scores a submission: re-runs the submitted code beside the task's own records, verifies loss and time, and turns
/// the verdict into a reward. The environment never trusts the agent's own runs for the reward.
/// </summary>
public interface ISubmissionScorer
{
    Task<SubmissionVerdict> ScoreAsync(Submission submission, CancellationToken cancellationToken);
}

/// <param name="CodeDirectory">The files submitted (a run's snapshot, or the current workspace).</param>
/// <param name="StartDirectory">The task's starting files, for protected-content checks and the paired timing.</param>
public sealed record Submission(TaskManifest Task, EpisodeInfo Episode, string CodeDirectory, string StartDirectory, string? RunId)
{
    /// <summary>The reward function for this submission; null: the scorer's default.</summary>
    public IRewardFunction? Reward { get; init; }

    /// <summary>Told which run of which pair and which check is under way.</summary>
    public IProgress<VerificationProgress>? Progress { get; init; }
}

/// <param name="Checks">Every check, typed, with its figures.</param>
public sealed record SubmissionVerdict(double Reward, bool Passed, string Summary, VerdictChecks Checks);
