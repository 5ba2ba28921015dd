namespace AgentGym.Sandbox;

/// <summary>How the Docker sandbox reaches the engine, names its containers and retries transient engine errors.</summary>
public sealed record DockerSandboxOptions
{
    public static readonly Uri DefaultEndpoint = new("unix:///var/run/docker.sock");

    /// <summary>The engine's endpoint. No API version is pinned: the client speaks the engine's own version.</summary>
    public Uri Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>Image used when a request names none. An image name without a tag that has a recipe under
    /// sandbox-images/ (e.g. agentgym-cpu) resolves to the recipe's hash tag, falling back to :latest.</summary>
    public string DefaultImage { get; init; } = "agentgym-cpu";

    /// <summary>Prefix of every label the sandbox sets (prefix=1, prefix.episode, prefix.run, prefix.owner-pid, ...).</summary>
    public string LabelPrefix { get; init; } = "agentgym";

    /// <summary>Repository root holding sandbox-images/; null looks upwards from the current directory for AgentGym.sln.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>Size of the container's /tmp tmpfs.</summary>
    public long TmpMb { get; init; } = 256;

    /// <summary>Remove containers left by dead processes (label owner-pid) before the first run.</summary>
    public bool RemoveLeftovers { get; init; } = true;

    public DockerRetryOptions Retry { get; init; } = new();

    /// <summary>A run with no output line and no CPU time for this long is reported stalled (a paused container at once).</summary>
    public TimeSpan StallAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the engine is asked whether a run is paused and how much CPU time it has used.</summary>
    public TimeSpan StallCheckInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>Bounded retry of transient engine errors (connection resets, 5xx answers, socket I/O errors).</summary>
public sealed record DockerRetryOptions
{
    /// <summary>Attempts in all, the first included; 1 disables retries.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Delay before the first retry; doubles each time (with jitter).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}
