using System.Text.Json.Nodes;

namespace AgentGym.Agents.Scaffolds;

internal enum NodeStage { Root, Draft, Improve, Debug }

/// <summary>
/// A node of the search: a version of the workspace (the tracked files' contents) and, once executed, its run.
/// Node 0 is the starting code; it is never executed and does not count towards the node limit.
/// </summary>
internal sealed class SearchNode(int id, SearchNode? parent, NodeStage stage, IReadOnlyDictionary<string, string> code)
{
    public int Id { get; } = id;
    public SearchNode? Parent { get; } = parent;
    public NodeStage Stage { get; } = stage;
    public IReadOnlyDictionary<string, string> Code { get; set; } = code;
    public List<SearchNode> Children { get; } = [];
    public RunReport? Run { get; set; }
    public bool EditFailed { get; set; }
    public int EditAttempts { get; set; }
    public string? Plan { get; set; }

    /// <summary>Consecutive debug steps leading to this node (0 unless it is a debug node).</summary>
    public int DebugDepth => Stage == NodeStage.Debug ? (Parent?.DebugDepth ?? 0) + 1 : 0;

    public bool Executed => Run is not null;

    /// <summary>Ran, but failed or printed no validation loss.</summary>
    public bool Buggy => Run is { } r && (!r.Succeeded || r.ValLoss is null);

    public bool ReachedTarget(double target) => Run is { Succeeded: true, ValLoss: { } loss } && loss <= target;

    /// <summary>Valid and rankable: reached the target and reported a training time.</summary>
    public bool Valid(double target) => ReachedTarget(target) && Run!.TrainTimeMs is not null;

    public JsonObject ToJson(double target) => new()
    {
        ["id"] = Id,
        ["parent"] = Parent?.Id,
        ["stage"] = Stage.ToString().ToLowerInvariant(),
        ["executed"] = Executed,
        ["edit_failed"] = EditFailed,
        ["edit_attempts"] = EditAttempts,
        ["debug_depth"] = DebugDepth,
        ["run_id"] = Run?.RunId,
        ["state"] = Run?.State,
        ["val_loss"] = Run?.ValLoss,
        ["train_time_ms"] = Run?.TrainTimeMs,
        ["buggy"] = Buggy,
        ["valid"] = Valid(target),
        ["children"] = new JsonArray(Children.Select(c => (JsonNode)c.Id).ToArray()),
        ["plan"] = Plan,
    };
}
