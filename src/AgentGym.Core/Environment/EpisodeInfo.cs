namespace AgentGym.Core.Environment;

public sealed record EpisodeInfo(
    string EpisodeId,
    string TaskId,
    string Directory,
    string WorkspaceDirectory,
    string TrajectoryPath,
    HintRegime Hints,
    int Seed);
