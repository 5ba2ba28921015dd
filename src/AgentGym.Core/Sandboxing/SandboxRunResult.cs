namespace AgentGym.Core.Sandboxing;

public enum RunOutcome
{
    Succeeded,
    Failed,
    TimedOut,
    OutOfMemory,
    Cancelled,

    /// <summary>The sandbox could not start or finish the run (engine error, missing image).</summary>
    SandboxError,
}

/// <param name="StartTimestamp">Host monotonic timestamp when the command started.</param>
/// <param name="EndTimestamp">Host monotonic timestamp when it ended.</param>
public sealed record SandboxRunResult(
    RunOutcome Outcome,
    int? ExitCode,
    string Reason,
    TimeSpan WallTime,
    long StartTimestamp,
    long EndTimestamp)
{
    /// <summary>
    /// The limits the run met, whatever its outcome (a run can exit 0 after forks were refused): any of
    /// <see cref="RunLimits"/>' names. Empty when it stayed within all of them.
    /// </summary>
    public IReadOnlyList<string> LimitsMet { get; init; } = [];

    /// <summary>Part of WallTime during which the run made no progress (paused, or no output and no CPU time): not training.</summary>
    public TimeSpan StalledTime { get; init; }
}

/// <summary>Names of the limits a run can meet, as written in run.json and run_status.</summary>
public static class RunLimits
{
    public const string Time = "time";
    public const string Memory = "memory";
    public const string Pids = "pids";
    public const string Outputs = "outputs";
    public const string Stall = "stall";

    /// <summary>The result with <paramref name="limit"/> added (once) and a note appended to its reason.</summary>
    public static SandboxRunResult With(SandboxRunResult result, string limit, string note) => result with
    {
        LimitsMet = result.LimitsMet.Contains(limit) ? result.LimitsMet : [.. result.LimitsMet, limit],
        Reason = result.Reason + "; " + note,
    };
}
