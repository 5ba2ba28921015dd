using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

namespace AgentGym.Cli;

internal static class SandboxFactory
{
    public const string Names = "docker, local (no isolation), slurm or none";

    /// <summary>
    /// The sandbox named on the command line. The Docker one holds an engine connection: dispose what this returns
    /// (it may implement IDisposable).
    /// </summary>
    public static ISandbox? Create(string name, CliPaths paths, out string? error)
    {
        error = null;
        switch (name)
        {
            case "docker":
                return Sandboxes.CreateDocker(new DockerSandboxOptions { RepositoryRoot = paths.RepoRoot });
            case "local":
                return Sandboxes.CreateLocal(new LocalSandboxOptions { RunsDirectory = Path.Combine(paths.HomeDirectory, "local-runs") });
            case "slurm":
                // Where the jobs go comes from AGENTGYM_SLURM_* (see src/AgentGym.Sandbox/README.md, Slurm backend).
                try
                {
                    return Sandboxes.CreateSlurm(SlurmSandboxOptions.FromEnvironment(Path.Combine(paths.HomeDirectory, "slurm-runs")) with { RepositoryRoot = paths.RepoRoot });
                }
                catch (ArgumentException ex)
                {
                    error = ex.Message;
                    return null;
                }
            case "none":
                return null;
            default:
                error = $"Unknown sandbox '{name}'. Available: {Names}.";
                return null;
        }
    }
}
