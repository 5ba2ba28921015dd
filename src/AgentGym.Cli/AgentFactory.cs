using AgentGym.Agents;
using AgentGym.Core.Agents;
using AgentGym.Core.Tasks;

namespace AgentGym.Cli;

internal static class AgentFactory
{
    public static IReadOnlyList<string> Names { get; } = ["replay", .. GymAgents.Names];

    /// <param name="settings">Builds the agent settings on demand: replay needs none (and no API key).</param>
    public static IEpisodeAgent Create(string name, string? trajectory, Func<AgentSettings> settings, TaskCatalog tasks) => name switch
    {
        "replay" => trajectory is null
            ? throw new ArgumentException("--agent replay needs --trajectory <file>.")
            : EpisodeAgents.FromAgent(ReplayAgent.FromFile(trajectory)),
        _ when GymAgents.Names.Contains(name) => GymAgents.Create(name, settings(), tasks),
        _ => throw new ArgumentException($"Unknown agent '{name}'. Available: {string.Join(", ", Names)}."),
    };
}
