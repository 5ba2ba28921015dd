namespace AgentGym.Core.Environment;

public sealed record ResetOptions
{
    public required string TaskId { get; init; }

    /// <summary>none, L1, L2, L3, L1+L2 or L1+L2+L3.</summary>
    public HintRegime Hints { get; init; } = HintRegime.None;

    public int Seed { get; init; } = 1;

    /// <summary>Overrides the environment's default budgets for this episode.</summary>
    public EpisodeBudgets? Budgets { get; init; }

    /// <summary>An explicit episode id; a fresh one is made when null.</summary>
    public string? EpisodeId { get; init; }
}
