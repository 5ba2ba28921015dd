using AgentGym.Core.Runs;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;
using AgentGym.Core.Tools;

namespace AgentGym.Core.Gym;

/// <summary>How an environment is put together. Only Tasks and EpisodesDirectory are required.</summary>
public sealed record GymOptions
{
    public required TaskCatalog Tasks { get; init; }

    /// <summary>Each episode gets a folder here: workspace, starting files, trajectory, runs.</summary>
    public required string EpisodesDirectory { get; init; }

    /// <summary>Where prepared datasets live (dataset folders with visible/ and heldout/); null when tasks need none.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Runs training scripts; without one, run_training answers that runs are unavailable.</summary>
    public ISandbox? Sandbox { get; init; }

    /// <summary>Scores submissions; without one, submit ends the episode with reward 0 and says it was not verified.</summary>
    public ISubmissionScorer? Scorer { get; init; }

    /// <summary>The reward functions a reset may name (ResetOptions.Reward).</summary>
    public Scoring.RewardRegistry Rewards { get; init; } = Scoring.RewardRegistry.CreateDefault();

    public EpisodeBudgets DefaultBudgets { get; init; } = new();
    public ToolLimits ToolLimits { get; init; } = new();
    public RunOptions RunOptions { get; init; } = new();
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Also fsync each trajectory line. Lines always reach the operating system before a step returns (a killed
    /// process loses nothing); fsync adds survival of a machine crash for a few milliseconds a step.
    /// </summary>
    public bool FsyncTrajectory { get; init; }
}

public static class GymEnvironment
{
    public static IGymEnvironment Create(GymOptions options) => new Env(options);
}
