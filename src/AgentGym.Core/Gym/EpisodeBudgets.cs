namespace AgentGym.Core.Gym;

/// <summary>Limits after which an episode is truncated. Null means unlimited.</summary>
public sealed record EpisodeBudgets
{
    public int? MaxSteps { get; init; } = 200;
    public TimeSpan? WallClock { get; init; }
    public int? MaxTrainingRuns { get; init; }
    public TimeSpan? SandboxTime { get; init; }

    public static EpisodeBudgets Unlimited { get; } = new() { MaxSteps = null };
}
