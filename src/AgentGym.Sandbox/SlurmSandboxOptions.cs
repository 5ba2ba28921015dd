using System.Globalization;

namespace AgentGym.Sandbox;

/// <summary>How a Slurm job runs the command on its node.</summary>
public enum SlurmContainerRuntime
{
    /// <summary>docker run with the Docker backend's hardening (no network, read-only root, no capabilities, uid 65534, limits).</summary>
    Docker,

    /// <summary>podman run (rootless) with the same flags, for clusters without a Docker daemon.</summary>
    Podman,

    /// <summary>A bare process in the job, as llm-speedrunner does. NO ISOLATION: only for trusted code (see README.md).</summary>
    None,
}

/// <summary>
/// Options of the Slurm sandbox: each run is one batch job (sbatch) whose wrapper runs the command on the node it gets.
/// Resources (CPUs, memory, GPUs, time) come from each request; where the job goes and how it is isolated come from here.
/// </summary>
public sealed record SlurmSandboxOptions
{
    /// <summary>A folder every node sees at the same path (NFS, Lustre, ...): one sub-folder per run holds the
    /// workspace, /outputs, the job script and the node-stamped output. Required.</summary>
    public required string SharedDirectory { get; init; }

    /// <summary>sbatch --partition; null for the cluster's default.</summary>
    public string? Partition { get; init; }

    /// <summary>sbatch --account; null for the user's default.</summary>
    public string? Account { get; init; }

    /// <summary>sbatch --qos; null for the default.</summary>
    public string? Qos { get; init; }

    /// <summary>Passed to sbatch as they are, before the script (e.g. --constraint=a100, --reservation=x).</summary>
    public IReadOnlyList<string> ExtraSbatchArguments { get; init; } = [];

    public SlurmContainerRuntime Runtime { get; init; } = SlurmContainerRuntime.Docker;

    /// <summary>Job names start with this, and the job comment carries it with the owner (host:pid) for the start-up sweep.</summary>
    public string JobNamePrefix { get; init; } = "agentgym";

    /// <summary>Repository root holding sandbox-images/ (to resolve agentgym-cpu to its recipe tag); null looks upwards for AgentGym.sln.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>Size of the container's /tmp tmpfs (docker and podman runtimes).</summary>
    public long TmpMb { get; init; } = 256;

    /// <summary>How often the node-stamped output files are read (they live on the shared folder).</summary>
    public TimeSpan OutputPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often squeue is asked about the job (pending reason, or an end the wrapper did not report).</summary>
    public TimeSpan StatePollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Give up on a job still pending after this long (null: wait as long as the queue takes). Jobs whose pending
    /// reason says they can never start (e.g. more CPUs than any node has) are given up on at once either way.</summary>
    public TimeSpan? MaxPendingTime { get; init; }

    /// <summary>Added to the request's time limit for the job's --time: the wrapper enforces the exact limit from the
    /// command's start on the node; Slurm's limit (whole minutes) is the backstop and covers the container start.</summary>
    public TimeSpan TimeLimitMargin { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Cancel jobs left by dead gym processes on this host (job comment owner) before the first run.</summary>
    public bool CancelLeftovers { get; init; } = true;

    /// <summary>Keep each run's folder in the shared directory after the run (debugging).</summary>
    public bool KeepJobDirectories { get; init; }

    /// <summary>Time allowed for each Slurm command (sbatch, squeue, scancel) before it counts as failed.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Options from the environment: AGENTGYM_SLURM_SHARED_DIR (default: <paramref name="defaultSharedDirectory"/>),
    /// AGENTGYM_SLURM_PARTITION, AGENTGYM_SLURM_ACCOUNT, AGENTGYM_SLURM_QOS, AGENTGYM_SLURM_RUNTIME (docker, podman,
    /// none), AGENTGYM_SLURM_SBATCH_ARGS (space-separated), AGENTGYM_SLURM_MAX_PENDING_SECONDS.
    /// </summary>
    /// <exception cref="ArgumentException">A variable has a value that cannot be used (the message names it).</exception>
    public static SlurmSandboxOptions FromEnvironment(string defaultSharedDirectory, Func<string, string?>? variables = null)
    {
        variables ??= System.Environment.GetEnvironmentVariable;
        string? Get(string name) => variables(name) is { Length: > 0 } v ? v.Trim() : null;
        var runtime = Get("AGENTGYM_SLURM_RUNTIME") is { } r
            ? ParseRuntime(r) ?? throw new ArgumentException($"AGENTGYM_SLURM_RUNTIME: '{r}' is not docker, podman or none")
            : SlurmContainerRuntime.Docker;
        TimeSpan? maxPending = null;
        if (Get("AGENTGYM_SLURM_MAX_PENDING_SECONDS") is { } p)
        {
            if (!double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                throw new ArgumentException($"AGENTGYM_SLURM_MAX_PENDING_SECONDS: '{p}' is not a positive number of seconds");
            maxPending = TimeSpan.FromSeconds(seconds);
        }
        return new SlurmSandboxOptions
        {
            SharedDirectory = Get("AGENTGYM_SLURM_SHARED_DIR") ?? defaultSharedDirectory,
            Partition = Get("AGENTGYM_SLURM_PARTITION"),
            Account = Get("AGENTGYM_SLURM_ACCOUNT"),
            Qos = Get("AGENTGYM_SLURM_QOS"),
            Runtime = runtime,
            ExtraSbatchArguments = Get("AGENTGYM_SLURM_SBATCH_ARGS")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
            MaxPendingTime = maxPending,
        };
    }

    /// <summary>docker, podman or none (case-insensitive); null for anything else.</summary>
    public static SlurmContainerRuntime? ParseRuntime(string text) => text.Trim().ToLowerInvariant() switch
    {
        "docker" => SlurmContainerRuntime.Docker,
        "podman" => SlurmContainerRuntime.Podman,
        "none" => SlurmContainerRuntime.None,
        _ => null,
    };
}
