using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

namespace AgentGym.Cli;

internal static class SandboxFactory
{
    public static IReadOnlyList<string> Names { get; } = ["docker", "local", "none"];

    /// <summary>
    /// The sandbox by name: docker (isolated), local (plain host processes, NO isolation) or none. The Docker sandbox
    /// holds an engine connection: callers dispose it (as IDisposable) when done.
    /// </summary>
    public static ISandbox? Create(string name, CliPaths paths, out string? error)
    {
        error = null;
        switch (name)
        {
            case "none":
                return null;
            case "docker":
                return Sandboxes.CreateDocker(new DockerSandboxOptions { RepositoryRoot = paths.RepoRoot });
            case "local":
                return Sandboxes.CreateLocal(new LocalSandboxOptions());
            default:
                error = $"Unknown sandbox '{name}'. Available: {string.Join(", ", Names)}.";
                return null;
        }
    }
}
