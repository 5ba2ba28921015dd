namespace AgentGym.Core.Runs;

/// <summary>Per-run caps on what the harness keeps; anything beyond is counted and announced, never silently dropped.</summary>
public sealed record RunOptions
{
    public long MaxLogBytes { get; init; } = 4 * 1024 * 1024;
    public int MaxLineChars { get; init; } = 4096;

    /// <summary>Runs of one episode that may be in flight at once; run_training beyond this is a tool error.</summary>
    public int MaxRunsInFlight { get; init; } = 2;

    /// <summary>Bytes of $AGENTGYM_OUTPUT_DIR copied to the host for one run; files beyond are dropped and named.</summary>
    public long MaxOutputBytesPerRun { get; init; } = 256L * 1024 * 1024;

    /// <summary>Bytes of outputs one episode may keep over all its runs.</summary>
    public long MaxOutputBytesPerEpisode { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Bytes of outputs all episodes of this process may keep together; shared by every environment built from these options.</summary>
    public OutputQuota TotalOutputs { get; init; } = OutputQuota.Process;
}

/// <summary>
/// A byte budget that runs reserve from before they start and give back what they did not use when they end, so
/// that runs in flight together cannot overshoot it. Thread-safe.
/// </summary>
public sealed class OutputQuota(long limitBytes)
{
    /// <summary>The default total for a process: 20 GiB of run outputs.</summary>
    public static OutputQuota Process { get; } = new(20L * 1024 * 1024 * 1024);

    private readonly Lock _gate = new();
    private long _used;

    public long LimitBytes { get; } = limitBytes;

    public long RemainingBytes { get { lock (_gate) return LimitBytes - _used; } }

    /// <summary>Takes up to <paramref name="wanted"/> bytes (less when less is left; never negative) and returns how many.</summary>
    public long Reserve(long wanted)
    {
        lock (_gate)
        {
            var granted = Math.Max(0, Math.Min(wanted, LimitBytes - _used));
            _used += granted;
            return granted;
        }
    }

    /// <summary>Gives back the part of a reservation that was not used.</summary>
    public void Release(long bytes)
    {
        if (bytes <= 0) return;
        lock (_gate) _used = Math.Max(0, _used - bytes);
    }
}
