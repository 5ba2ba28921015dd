using AgentGym.Core.Agents;
using AgentGym.Core.Gym;

namespace AgentGym.Agents;

/// <summary>
/// An agent that drives a whole episode itself: it resets the environment, steps it through the environment's tools
/// until the episode terminates, is truncated or the agent stops, and returns the outcome. LLM agents and search
/// scaffolds need this shape (several actions per model turn, search state across nodes); a one-call-at-a-time
/// <see cref="IAgent"/> is adapted with <see cref="EpisodeAgents.FromAgent"/>.
/// </summary>
public interface IEpisodeAgent
{
    string Name { get; }

    /// <param name="onStep">Called after every step with the step number, the call and its result (for printing).</param>
    Task<EpisodeOutcome> RunAsync(
        IGymEnvironment environment, ResetOptions options,
        Action<int, ToolCall, StepResult>? onStep = null, CancellationToken cancellationToken = default);
}

public static class EpisodeAgents
{
    /// <summary>Runs a step-at-a-time agent (e.g. replay) through Core's <see cref="EpisodeRunner"/>.</summary>
    public static IEpisodeAgent FromAgent(IAgent agent) => new StepAgentAdapter(agent);

    private sealed class StepAgentAdapter(IAgent agent) : IEpisodeAgent
    {
        public string Name => agent.Name;

        public Task<EpisodeOutcome> RunAsync(IGymEnvironment environment, ResetOptions options,
            Action<int, ToolCall, StepResult>? onStep = null, CancellationToken cancellationToken = default) =>
            EpisodeRunner.RunAsync(environment, agent, options, onStep, cancellationToken);
    }
}
