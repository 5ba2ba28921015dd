using AgentGym.Core.Sandboxing;

namespace AgentGym.Core.Scoring;

/// <summary>How submissions are re-run and verified. Only the sandbox (given to the factory) is required.</summary>
public sealed record ScoringOptions
{
    /// <summary>Where prepared datasets live (dataset/visible for training, dataset/heldout for the verifier only).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The verifier's image (scripts/build-verifier.sh writes its tag to .agentgym/verifier-image).</summary>
    public string VerifierImage { get; init; } = "agentgym-verifier:latest";

    /// <summary>The verifier's command inside its image; the scorer appends the arguments.</summary>
    public IReadOnlyList<string> VerifierCommand { get; init; } = ["/opt/agentgym-verifier/AgentGym.Verifier"];

    /// <summary>cpu, or cuda with a verifier built with -p:AgentGymTorchBackend=cuda.</summary>
    public string VerifierDevice { get; init; } = "cpu";

    public TimeSpan VerifierTimeLimit { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest logit change allowed by the causality probe, relative to max(1, largest |logit|).</summary>
    public double CausalityTolerance { get; init; } = 1e-4;

    /// <summary>Overrides the task's verification repeats (e.g. 1 for quick RL loops); null keeps the task's.</summary>
    public int? Repeats { get; init; }

    /// <summary>
    /// Where the starting record's measured untimed time is cached, keyed by task and a hash of its starting files,
    /// image, command and resources. Null: DataDirectory/.verifier-cache, or the episode folder when there is no data.
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// Absolute slack added to the time check's relative tolerance: stdout reaches the host through pipes and the
    /// container engine, and a lag of up to about a second was seen on a loaded 2-core host with the docker CLI.
    /// Negligible for runs of minutes; it only matters for runs of a few seconds.
    /// </summary>
    public TimeSpan TimeSlack { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Further slack per change between running and paused (validation) intervals, where a late line moves host time across.</summary>
    public TimeSpan TimeSlackPerPause { get; init; } = TimeSpan.FromMilliseconds(50);

    public IRewardFunction Reward { get; init; } = RewardFunctions.Fsr;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

public static class SubmissionScorers
{
    /// <summary>
    /// A submission outside an episode (e.g. `agentgym verify`): copies the task's starting files to
    /// directory/start for the protected-content check and uses directory as the episode folder for the records.
    /// </summary>
    public static Environment.Submission Standalone(Tasks.TaskManifest task, string codeDirectory, string directory, int seed)
    {
        var start = Path.Combine(directory, "start");
        Tasks.TaskFiles.CopyStartingFiles(task, start);
        var id = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var episode = new Environment.EpisodeInfo(id, task.Id, directory, codeDirectory, Path.Combine(directory, "trajectory.jsonl"), Environment.HintRegime.None, seed);
        return new Environment.Submission(task, episode, Path.GetFullPath(codeDirectory), start, null);
    }

    /// <summary>The verifying scorer: re-runs submissions in <paramref name="sandbox"/> and checks loss, time and content.</summary>
    public static Environment.ISubmissionScorer Create(ISandbox sandbox, ScoringOptions options) =>
        new SubmissionScorer(sandbox, options);
}
