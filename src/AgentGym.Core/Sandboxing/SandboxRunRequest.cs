namespace AgentGym.Core.Sandboxing;

public sealed record SandboxRunRequest
{
    public required string RunId { get; init; }
    public required string EpisodeId { get; init; }

    /// <summary>Host folder copied into /workspace before the run and refreshed from it afterwards (plain files only).</summary>
    public required string WorkspaceDirectory { get; init; }

    /// <summary>Host folder that receives /outputs.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Host folder mounted read-only at /data; null for none.</summary>
    public string? DataDirectory { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The only environment variables the script sees (nothing of the host's environment is passed).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public required string Image { get; init; }
    public SandboxLimits Limits { get; init; } = new();
    public required TimeSpan TimeLimit { get; init; }

    /// <summary>
    /// Bytes of /outputs copied to the host at most; files beyond are dropped, named in the result's reason, and the
    /// result's LimitsMet holds "outputs". Null: no cap.
    /// </summary>
    public long? MaxOutputBytes { get; init; }

    /// <summary>When set, files the run leaves in /workspace are copied back here (plain files only).</summary>
    public string? WorkspaceResultDirectory { get; init; }
}

public sealed record SandboxLimits
{
    public double Cpus { get; init; } = 2;
    public long MemoryMb { get; init; } = 4096;
    public int Pids { get; init; } = 512;
    public long ShmMb { get; init; } = 256;
    public long DiskMb { get; init; } = 1024;

    /// <summary>0 none, n a count, -1 all.</summary>
    public int Gpus { get; init; }
    public IReadOnlyList<string> GpuIds { get; init; } = [];
}
