namespace AgentGym.Core.Gym;

/// <summary>One episode's identity and the task facts an agent may steer by, typed (never parsed out of the prompt).</summary>
public sealed record EpisodeInfo(
    string EpisodeId,
    string TaskId,
    string Directory,
    string WorkspaceDirectory,
    string TrajectoryPath,
    HintRegime Hints,
    int Seed)
{
    /// <summary>The task's target on the visible val split, in nats per token (cross-entropy).</summary>
    public double TargetValLoss { get; init; } = double.PositiveInfinity;

    /// <summary>The command the sandbox runs in the workspace, e.g. <c>["python3", "train_gpt.py"]</c>.</summary>
    public IReadOnlyList<string> EntryCommand { get; init; } = [];
}
