using System.Text.Json.Nodes;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Environment;

/// <summary>
/// Scores a submission: re-runs the submitted code, verifies loss and time, and turns the verdict into a reward.
/// The verifier (AgentGym.Verifier) plugs in here; the environment never trusts the agent's own runs for the reward.
/// </summary>
public interface ISubmissionScorer
{
    Task<SubmissionVerdict> ScoreAsync(Submission submission, CancellationToken cancellationToken);
}

/// <param name="CodeDirectory">The files submitted (a run's snapshot, or the current workspace).</param>
/// <param name="StartDirectory">The task's starting files, for protected-content checks.</param>
public sealed record Submission(TaskManifest Task, EpisodeInfo Episode, string CodeDirectory, string StartDirectory, string? RunId);

/// <param name="Checks">Every check by name with its figures and whether it passed.</param>
public sealed record SubmissionVerdict(double Reward, bool Passed, string Summary, JsonObject Checks);
