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

    /// <summary>Largest change of a next-token probability (absolute, 0..1) the causality probe allows.</summary>
    public double CausalityTolerance { get; init; } = 1e-4;

    /// <summary>Overrides the task's verification pairs (e.g. 1 for quick RL loops); null keeps the task's.</summary>
    public int? Pairs { get; init; }

    /// <summary>
    /// Absolute slack added to the time check's relative tolerance: stdout reaches the host through pipes and the
    /// container engine, and a lag of up to about a second was seen on a loaded 2-core host with the docker CLI.
    /// One fixed figure: nothing the script does (pausing its clock more often, say) widens it.
    /// </summary>
    public TimeSpan TimeSlack { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Seed of the first pair's vocabulary permutation; null: a fresh one from the OS for each verification, so that no script can know it.</summary>
    public long? PermutationSeed { get; init; }

    public IRewardFunction Reward { get; init; } = RewardFunctions.Fsr;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

public static class SubmissionScorers
{
    /// <summary>
    /// A submission outside an episode (e.g. `agentgym verify`): copies the task's starting files to
    /// directory/start for the protected-content check and uses directory as the episode folder for the records.
    /// </summary>
    public static Gym.Submission Standalone(Tasks.TaskManifest task, string codeDirectory, string directory, int seed)
    {
        var start = Path.Combine(directory, "start");
        Tasks.TaskFiles.CopyStartingFiles(task, start);
        var id = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var episode = new Gym.EpisodeInfo(id, task.Id, directory, codeDirectory, Path.Combine(directory, "trajectory.jsonl"), Gym.HintRegime.None, seed);
        return new Gym.Submission(task, episode, Path.GetFullPath(codeDirectory), start, null);
    }

    /// <summary>The verifying scorer: re-runs submissions in <paramref name="sandbox"/> beside the task's records and checks loss, time and content.</summary>
    public static Gym.ISubmissionScorer Create(ISandbox sandbox, ScoringOptions options) =>
        new SubmissionScorer(sandbox, options);

    /// <summary>Where the last measured times of a task's records on this host are kept (for the task prompt).</summary>
    public static string HostTimesDirectory(string dataDirectory) => Path.Combine(dataDirectory, ".verifier-cache", "host-times");
}
