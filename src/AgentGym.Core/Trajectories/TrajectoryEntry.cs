using System.Text.Json.Nodes;

namespace AgentGym.Core.Trajectories;

/// <summary>
/// One line of a trajectory file. Kind "reset" (step 0) records the reset and its observation; kind "step" records a
/// tool call with its observation, reward and flags. Arguments are kept as the raw text the agent sent.
/// </summary>
public sealed record TrajectoryEntry
{
    public required string Kind { get; init; }
    public required int Step { get; init; }
    public required string EpisodeId { get; init; }
    public string? TaskId { get; init; }
    public TrajectoryToolCall? ToolCall { get; init; }
    public required TrajectoryObservation Observation { get; init; }
    public double Reward { get; init; }
    public bool Terminated { get; init; }
    public bool Truncated { get; init; }
    public JsonObject? Info { get; init; }
    public required TrajectoryTimings Timings { get; init; }

    public const string ResetKind = "reset";
    public const string StepKind = "step";
}

public sealed record TrajectoryToolCall(string Name, string Arguments);

public sealed record TrajectoryObservation(string Text, bool IsError);

public sealed record TrajectoryTimings(DateTimeOffset StartedAt, double DurationMs);
