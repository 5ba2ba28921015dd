namespace AgentGym.Sandbox;

/// <summary>What `agentgym sandbox check` reports about the engine and the image a run would use.</summary>
public sealed record DockerEngineReport
{
    public required string Endpoint { get; init; }
    public required bool Reachable { get; init; }

    /// <summary>Why the engine could not be used; null when it answered.</summary>
    public string? Error { get; init; }
    public string? ServerVersion { get; init; }
    public string? ApiVersion { get; init; }
    public string? CgroupVersion { get; init; }
    public long Cpus { get; init; }
    public long MemoryBytes { get; init; }
    public IReadOnlyList<string> Runtimes { get; init; } = [];

    /// <summary>True when the engine has the nvidia runtime, i.e. GPU device requests can be served.</summary>
    public bool NvidiaRuntime => Runtimes.Contains("nvidia", StringComparer.Ordinal);

    /// <summary>The image asked about and what it resolved to (alias to recipe tag or :latest); null when missing.</summary>
    public string? Image { get; init; }
    public string? ResolvedImage { get; init; }
    public string? ImageError { get; init; }
}
