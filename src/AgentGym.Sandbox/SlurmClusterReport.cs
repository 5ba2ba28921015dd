namespace AgentGym.Sandbox;

/// <summary>What `agentgym sandbox check --sandbox slurm` reports: the controller, the partitions, and a probe job.</summary>
public sealed record SlurmClusterReport
{
    /// <summary>True when slurmctld answered (scontrol ping).</summary>
    public required bool Reachable { get; init; }

    /// <summary>Why the cluster could not be used; null when it answered.</summary>
    public string? Error { get; init; }

    /// <summary>The controller's host(s), from the configuration (SlurmctldHost).</summary>
    public IReadOnlyList<string> Controllers { get; init; } = [];

    /// <summary>The client tools' version, e.g. "slurm-wlm 22.05.8".</summary>
    public string? Version { get; init; }

    public IReadOnlyList<SlurmPartitionReport> Partitions { get; init; } = [];
}

/// <summary>One partition line of sinfo: nodes in one state, with their CPUs, memory (MB), generic resources and time limit.</summary>
public sealed record SlurmPartitionReport(string Name, string Availability, int Nodes, string Cpus, string MemoryMb, string Gres, string TimeLimit, string State);
