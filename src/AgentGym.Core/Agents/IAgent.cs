using AgentGym.Core.Gym;

namespace AgentGym.Core.Agents;

/// <summary>Chooses the next tool call from what the environment showed; null means it has nothing more to do.</summary>
public interface IAgent
{
    string Name { get; }

    Task<ToolCall?> NextAsync(AgentTurn turn, CancellationToken cancellationToken);
}

/// <param name="Step">The number of steps taken so far (0 right after reset).</param>
/// <param name="Last">The last step's result; null right after reset.</param>
public sealed record AgentTurn(int Step, Observation Observation, StepResult? Last, IReadOnlyList<ToolDescriptor> Tools);
