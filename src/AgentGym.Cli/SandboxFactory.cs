using AgentGym.Core.Sandboxing;

namespace AgentGym.Cli;

internal static class SandboxFactory
{
    public static ISandbox? Create(string name, CliPaths paths, out string? error)
    {
        error = null;
        switch (name)
        {
            case "none":
                return null;
            default:
                error = $"Unknown sandbox '{name}'. Available: none.";
                return null;
        }
    }
}
