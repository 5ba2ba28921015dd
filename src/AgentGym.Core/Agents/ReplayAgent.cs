using AgentGym.Core.Gym;
using AgentGym.Core.Trajectories;

namespace AgentGym.Core.Agents;

/// <summary>Replays the tool calls of a trajectory file in order, arguments byte for byte.</summary>
public sealed class ReplayAgent : IAgent
{
    private readonly IReadOnlyList<TrajectoryToolCall> _calls;
    private int _next;

    public ReplayAgent(IReadOnlyList<TrajectoryEntry> trajectory)
    {
        _calls = trajectory.Where(e => e.Kind == TrajectoryEntry.StepKind && e.ToolCall is not null).Select(e => e.ToolCall!).ToList();
        TaskId = trajectory.FirstOrDefault(e => e.TaskId is not null)?.TaskId;
    }

    public static ReplayAgent FromFile(string path) => new(TrajectoryReader.Read(path));

    public string Name => "replay";

    /// <summary>The task the trajectory was recorded on, when it says.</summary>
    public string? TaskId { get; }

    public int Count => _calls.Count;

    public Task<ToolCall?> NextAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        if (_next >= _calls.Count) return Task.FromResult<ToolCall?>(null);
        var call = _calls[_next++];
        return Task.FromResult<ToolCall?>(new ToolCall(call.Name, call.Arguments));
    }
}
