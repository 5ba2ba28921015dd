using AgentGym.Core.Gym;
using AgentGym.Core.Runs;
using AgentGym.Core.Tasks;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Tools;

/// <summary>Everything a tool may touch during one episode.</summary>
internal sealed class ToolContext
{
    public required EpisodeInfo Episode { get; init; }
    public required TaskManifest Task { get; init; }
    public required EpisodeWorkspace Workspace { get; init; }
    public required RunManager Runs { get; init; }
    public required ISubmissionScorer? Scorer { get; init; }
    public required TimeProvider Time { get; init; }
    public required ToolLimits Limits { get; init; }
    public required EpisodeBudgets Budgets { get; init; }
    public required RunLaunch Launch { get; init; }

    /// <summary>The episode's reward function (chosen at reset); null: the scorer's default.</summary>
    public Scoring.IRewardFunction? Reward { get; init; }

    public IProgress<Scoring.VerificationProgress>? VerificationProgress { get; init; }
}

/// <summary>Caps on what one observation may hold; every cut is announced in the observation itself.</summary>
public sealed record ToolLimits
{
    public int ReadMaxLines { get; init; } = 400;
    public int ReadMaxBytes { get; init; } = 16 * 1024;
    public int ListMaxEntries { get; init; } = 500;
    public int DiffMaxBytes { get; init; } = 32 * 1024;
    public int WriteMaxBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>The most characters any observation may have; the tools' own pages stay well below it.</summary>
    public int ObservationMaxChars { get; init; } = 40_000;
}
