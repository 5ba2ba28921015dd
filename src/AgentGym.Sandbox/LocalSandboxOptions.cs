namespace AgentGym.Sandbox;

/// <summary>
/// Options of the local sandbox, which runs commands as plain host processes with NO isolation (see README.md):
/// for development and for hosts without Docker, never for untrusted code.
/// </summary>
public sealed record LocalSandboxOptions
{
    /// <summary>Parent of the per-run folders (workspace/, outputs/, tmp/); null uses the system temp folder.</summary>
    public string? RunsDirectory { get; init; }

    /// <summary>PATH given to the command (the host's PATH when null), so that python3 and friends are found.</summary>
    public string? Path { get; init; }

    /// <summary>Keep the per-run folder after the run (debugging).</summary>
    public bool KeepRunDirectories { get; init; }
}
