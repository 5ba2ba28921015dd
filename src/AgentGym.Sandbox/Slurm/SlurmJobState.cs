using System.Globalization;
using AgentGym.Core.Sandboxing;

namespace AgentGym.Sandbox.Slurm;

/// <summary>A job as Slurm reports it: state (PENDING, RUNNING, COMPLETED, ...), pending reason, nodes, exit code.</summary>
internal sealed record SlurmJobState(long JobId, string State, string Reason, string Nodes, int? ExitCode)
{
    /// <summary>The squeue -o format these records are read from; '|' never occurs in the fields asked for.</summary>
    public const string SqueueFormat = "%i|%T|%r|%N";

    /// <summary>The sacct fields (with --parsable2, i.e. '|'-separated) these records are read from.</summary>
    public const string SacctFields = "JobIDRaw,State,ExitCode,NodeList";

    public bool IsPending => State is "PENDING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "CONFIGURING" or "RESV_DEL_HOLD" or "SUSPENDED";

    public bool IsActive => IsPending || State is "RUNNING" or "COMPLETING" or "STAGE_OUT" or "SIGNALING" or "RESIZING";

    public bool IsFinished => !IsActive;

    /// <summary>Pending reasons that will never clear by waiting: the job asks for what no node or partition offers,
    /// or for an account/QOS it may not use.</summary>
    private static readonly HashSet<string> HopelessReasons = new(StringComparer.Ordinal)
    {
        "PartitionConfig", "BadConstraints", "PartitionNodeLimit", "PartitionTimeLimit", "InvalidAccount", "InvalidQOS",
        "AccountNotAllowed", "QOSNotAllowed", "PartitionInactive", "JobHeldAdmin", "DependencyNeverSatisfied",
        "QOSMaxCpuPerJobLimit", "QOSMaxMemoryPerJob", "QOSMaxGRESPerJob", "QOSMaxNodePerJobLimit", "QOSMaxWallDurationPerJobLimit",
    };

    public bool CannotStart => IsPending && HopelessReasons.Contains(Reason);

    /// <summary>Reads the line for <paramref name="jobId"/> from squeue -h -o <see cref="SqueueFormat"/>; null when absent.</summary>
    public static SlurmJobState? FromSqueue(string stdout, long jobId)
    {
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('|');
            if (f.Length < 4 || !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id != jobId) continue;
            return new SlurmJobState(id, f[1], f[2], f[3], null);
        }
        return null;
    }

    /// <summary>Reads the job's own line (not its steps') from sacct --parsable2 --noheader -o <see cref="SacctFields"/>.</summary>
    public static SlurmJobState? FromSacct(string stdout, long jobId)
    {
        var expected = jobId.ToString(CultureInfo.InvariantCulture);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('|');
            if (f.Length < 4 || f[0] != expected) continue;
            // "CANCELLED by 1234": the state is the first word.
            var state = f[1].Split(' ', 2)[0];
            int? code = null;
            var parts = f[2].Split(':');
            if (int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var c)) code = c;
            return new SlurmJobState(jobId, state, "", f[3], code);
        }
        return null;
    }

    /// <summary>
    /// The outcome of a job that ended without the wrapper reporting an end (it never started, or was ended from outside):
    /// Slurm's time limit is TimedOut, its OOM kill OutOfMemory, scancel Cancelled, node or boot failures and preemption
    /// SandboxError (the run itself did nothing wrong), anything else a SandboxError naming the state.
    /// </summary>
    public (RunOutcome Outcome, string Reason) Outcome(bool cancelRequested) => State switch
    {
        "TIMEOUT" or "DEADLINE" => (RunOutcome.TimedOut, $"Slurm ended job {JobId} at its time limit ({State})"),
        "OUT_OF_MEMORY" => (RunOutcome.OutOfMemory, $"Slurm killed job {JobId} for exceeding its memory (OUT_OF_MEMORY)"),
        "CANCELLED" => cancelRequested
            ? (RunOutcome.Cancelled, $"cancelled; job {JobId} was cancelled with scancel")
            : (RunOutcome.Cancelled, $"job {JobId} was cancelled outside the gym (scancel by a user or an administrator)"),
        "NODE_FAIL" => (RunOutcome.SandboxError, $"node failure: the node running job {JobId} ({Nodes}) failed (NODE_FAIL); run it again"),
        "BOOT_FAIL" => (RunOutcome.SandboxError, $"node failure: the node for job {JobId} failed to boot (BOOT_FAIL); run it again"),
        "PREEMPTED" => (RunOutcome.SandboxError, $"job {JobId} was preempted by a higher-priority job (PREEMPTED); run it again"),
        _ => (RunOutcome.SandboxError, $"job {JobId} ended as {State}{(ExitCode is { } c ? $" (exit code {c})" : "")} before its command reported an end"),
    };
}
