namespace AgentGym.Core.Gym;

public sealed record ResetOptions
{
    public required string TaskId { get; init; }

    /// <summary>none, L1, L2, L3, L1+L2 or L1+L2+L3.</summary>
    public HintRegime Hints { get; init; } = HintRegime.None;

    public int Seed { get; init; } = 1;

    /// <summary>Overrides the environment's default budgets for this episode.</summary>
    public EpisodeBudgets? Budgets { get; init; }

    /// <summary>
    /// The reward function by spec ("fsr", "shaped", "shaped:loss_weight=0.2"), resolved through GymOptions.Rewards;
    /// null: the scorer's default. An unknown name is an ArgumentException at reset.
    /// </summary>
    public string? Reward { get; init; }

    /// <summary>Told what a verification is doing while submit runs (which run of which pair, which check).</summary>
    public IProgress<Scoring.VerificationProgress>? VerificationProgress { get; init; }

    /// <summary>An explicit episode id; a fresh one is made when null.</summary>
    public string? EpisodeId { get; init; }
}
