using AgentGym.Core.Agents;

namespace AgentGym.Cli;

internal static class AgentFactory
{
    public static IAgent Create(string name, string? trajectory) => name switch
    {
        "replay" => trajectory is null
            ? throw new ArgumentException("--agent replay needs --trajectory <file>.")
            : ReplayAgent.FromFile(trajectory),
        _ => throw new ArgumentException($"Unknown agent '{name}'. Available: replay."),
    };
}
